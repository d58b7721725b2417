# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Print the README's success table from `fast-lewm eval` JSON files.

Usage: scripts/with_env.sh python scripts/results_table.py results/eval_tworoom.json ...
One row per method (checkpoint or random policy) with its Wilson 95% interval and
median plan time, then one pooled row per task and predictor over all the files
given (runs evaluated on the same paired episodes, so pooling counts each pair once
per run; list only one evaluation per run). The random baseline is shown once per
set of pairs.
"""
import json
import sys

from fast_lewm_ros.evaluation.stats import wilson_interval

PAPER = {  # success %, Fast-LeWM / LeWM, from the paper (theirs, not ours)
    'TwoRoom': (98, 87), 'Reacher': (88, 86), 'PushT': (96, 96), 'Cube': (80, 74)}


def label(method: dict) -> str:
    if method['name'] == 'random':
        return 'random policy'
    kind = 'Fast-LeWM (prefix)' if method['predictor'] == 'prefix' else 'LeWM (autoregressive)'
    return f'{kind}, `{method["checkpoint"]}`'


def percent(successes: int, episodes: int) -> str:
    low, high = wilson_interval(successes, episodes)
    return (f'{100 * successes / episodes:.0f}% ({successes}/{episodes}) | '
            f'[{100 * low:.1f}%, {100 * high:.1f}%]')


def main() -> None:
    print('| task | method | success | Wilson 95% CI | median plan time (batch) |')
    print('|---|---|---|---|---|')
    results = []
    for path in sys.argv[1:]:
        with open(path) as f:
            results.append(json.load(f))
    tasks = list(dict.fromkeys(r['env'] for r in results))  # in the order given
    for env in tasks:
        task = env.split('/')[-1].replace('-v0', '')
        pooled, randoms = {}, set()
        for result in (r for r in results if r['env'] == env):
            for method in result['methods']:
                if method['name'] == 'random':
                    if result['pairs_sha256'] in randoms:
                        continue  # the same pairs' random baseline, already shown
                    randoms.add(result['pairs_sha256'])
                plan = method.get('plan_time') or {}
                timing = (f'{plan["median_s"]:.2f} s ({plan["batch"]})' if plan.get('count')
                          else '—')
                print(f'| {task} | {label(method)} | '
                      f'{percent(method["successes"], method["episodes"])} | {timing} |')
                if method['name'] != 'random':
                    total = pooled.setdefault(method['predictor'], [0, 0, 0])
                    total[0] += method['successes']
                    total[1] += method['episodes']
                    total[2] += 1
        for predictor, (successes, episodes, seeds) in pooled.items():
            print(f'| {task} | **{predictor}, {seeds} runs pooled** | '
                  f'{percent(successes, episodes)} | |')
        if task in PAPER:
            print(f'| {task} | *paper (theirs): Fast-LeWM / LeWM* | '
                  f'*{PAPER[task][0]}% / {PAPER[task][1]}%* | | |')


if __name__ == '__main__':
    main()
