# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""GPU correctness checks behind scripts/gpu_check.sh (also runs on a CPU, for --dry).

1. A plan on DEVICE equals the CPU plan for the same seed within float tolerance.
   CPU and CUDA generators draw different numbers from the same seed, so both
   planners draw their noise on the CPU (SameNoise) and the check compares the
   arithmetic, not the random streams.
2. bf16 and CUDA-graph plans agree with the fp32 plan on the chosen (first)
   action within stated tolerances (normalised action units).
Writes OUT/correctness.json; exit 1 if a check fails.

    python scripts/gpu_check.py --device cuda --preset cpu --out DIR
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

import torch

from fast_lewm_ros.model import ModelConfig, WorldModel
from fast_lewm_ros.planning import CEMPlanner, PlannerConfig

FP32_ATOL = 1e-3   # CUDA vs CPU fp32: different kernels, summation orders (normalised units)
BF16_ATOL = 0.25   # bf16 cost: elites may differ; the chosen action must stay close
GRAPH_ATOL = 1e-4  # a replayed CUDA graph runs the same kernels as the eager solve


class SameNoise(CEMPlanner):
    """CEM whose noise is drawn on the CPU and then moved to the planning device."""

    def _generators(self, mean, seed):
        return super()._generators(mean.cpu(), seed)

    def _draw(self, gens, mean, iterations, action_dim=None):
        return super()._draw(gens, mean.cpu(), iterations, action_dim).to(mean.device)


def plan(model, z, z_goal, config):
    result = SameNoise(config).plan(model, z, z_goal)
    return result.actions.float().cpu(), result.cost.float().cpu()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--preset', default='cpu', help='model preset (random weights)')
    parser.add_argument('--samples', type=int, default=300)
    parser.add_argument('--iterations', type=int, default=30)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = WorldModel(ModelConfig.preset(args.preset)).eval()
    size = model.config.image_size
    pixels = torch.randint(0, 256, (2, size, size, 3), dtype=torch.uint8)
    with torch.inference_mode():
        z, z_goal = model.encode(pixels).split(1)  # (1, D) each, encoded once on the CPU
    base = PlannerConfig(samples=args.samples, iterations=args.iterations,
                         elites=max(2, min(30, args.samples // 10)),  # 30 of 300, as bench
                         horizon=model.config.horizon)
    cpu_actions, cpu_cost = plan(model, z, z_goal, base)
    model_dev = model.to(device)
    z_dev, goal_dev = z.to(device), z_goal.to(device)
    dev_actions, dev_cost = plan(model_dev, z_dev, goal_dev, base)
    checks = [_check(f'{device.type} fp32 plan == cpu plan', dev_actions, cpu_actions,
                     FP32_ATOL)]
    if device.type == 'cuda':
        for name, config, atol in (
                ('bf16', PlannerConfig(**{**base.__dict__, 'bf16': True}), BF16_ATOL),
                ('cuda_graph', PlannerConfig(**{**base.__dict__, 'cuda_graph': True}),
                 GRAPH_ATOL)):
            actions, _ = plan(model_dev, z_dev, goal_dev, config)
            checks.append(_check(f'{name} first action == fp32 first action', actions,
                                 dev_actions, atol, first=model.config.action_dim))
    report = {'device': str(device), 'preset': args.preset, 'samples': args.samples,
              'iterations': args.iterations, 'cpu_cost': cpu_cost.tolist(),
              'device_cost': dev_cost.tolist(), 'checks': checks,
              'passed': all(c['passed'] for c in checks)}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / 'correctness.json').write_text(json.dumps(report, indent=2))
    for c in checks:
        print(f'{"PASS" if c["passed"] else "FAIL"} {c["name"]}: max |diff| '
              f'{c["max_abs_diff"]:.3g} (tolerance {c["tolerance"]})')
    return 0 if report['passed'] else 1


def _check(name, got, want, atol, first=None):
    """Compare whole plans (B, T, A), or only the first primitive action (`first` values)."""
    if first is not None:  # the first block starts with the first primitive action
        got, want = got[:, 0, :first], want[:, 0, :first]
    diff = float((got - want).abs().max())
    return {'name': name, 'max_abs_diff': diff, 'tolerance': atol, 'passed': diff <= atol}


if __name__ == '__main__':
    sys.exit(main())
