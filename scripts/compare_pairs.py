# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Compare two methods evaluated on the same start/goal pairs (exact McNemar).

Usage: scripts/with_env.sh python scripts/compare_pairs.py A.json[:I] B.json[:I]
A and B are `fast-lewm eval` JSON files, I the index of the method in the file's
`methods` (default 0; the random baseline is the last one when it ran). Both must
hold the same pairs (same `pairs_sha256`). Prints each method's success with its
Wilson 95% interval, the discordant pairs and the two-sided McNemar p-value.
"""
import json
import sys

from fast_lewm_ros.evaluation.stats import paired_comparison, wilson_interval


def load(spec: str) -> tuple[str, dict, list[bool]]:
    path, _, index = spec.partition(':')
    try:
        with open(path) as f:
            result = json.load(f)
        method = result['methods'][int(index or 0)]
        return result['pairs_sha256'], method, [r['success'] for r in method['records']]
    except OSError as err:
        sys.exit(f'{path}: cannot read: {err.strerror}')
    except json.JSONDecodeError as err:
        sys.exit(f'{path}: not JSON: {err}')
    except (KeyError, IndexError, TypeError, ValueError) as err:
        sys.exit(f'{spec}: not a fast-lewm eval result with that method index '
                 f'({type(err).__name__}: {err})')


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    (pairs_a, method_a, a), (pairs_b, method_b, b) = load(sys.argv[1]), load(sys.argv[2])
    if pairs_a != pairs_b:
        sys.exit(f'the two files hold different start/goal pairs '
                 f'({pairs_a[:12]} vs {pairs_b[:12]}): no paired comparison')
    for spec, method, wins in ((sys.argv[1], method_a, a), (sys.argv[2], method_b, b)):
        low, high = wilson_interval(sum(wins), len(wins))
        print(f'{spec} ({method["name"]}): {sum(wins)}/{len(wins)} '
              f'[{100 * low:.1f}%, {100 * high:.1f}%]')
    c = paired_comparison(a, b)
    print(f'only A {c["only_a"]}, only B {c["only_b"]}, both {c["both"]}, '
          f'neither {c["neither"]}: McNemar p = {c["mcnemar_p"]:.2g}')


if __name__ == '__main__':
    main()
