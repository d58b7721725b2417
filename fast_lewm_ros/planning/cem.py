# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Batched cross-entropy-method planner over normalised action blocks.

The solver core is `CEMPlanner.optimize(cost_fn, mean)`: it asks one question,
`cost_fn(candidates (B, S, T, A)) -> (B, S)`, and knows nothing about world
models. `CEMPlanner.plan` wraps it with the terminal latent cost of a
`WorldModel` (see costs.py), so the prefix and the autoregressive predictor are
planned with through one interface.

Randomness: environment b of a batch draws all of its sampling noise from its
own generator seeded `seed + b`, created on the input's device. A batch of B
environments therefore plans exactly like B separate calls with seeds
seed, seed + 1, ..., and a call is a pure function of its inputs and seed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from fast_lewm_ros.planning.costs import check_inputs, GOAL_COSTS, LatentCost

CostFn = Callable[[torch.Tensor], torch.Tensor]
StopFn = Callable[[], bool]  # polled between iterations; True abandons the solve

SOLVERS = ('cem', 'mppi')

# Noise is drawn up front (a captured CUDA graph needs it), but at most this many
# bytes per environment at a time: a huge budget (2000 samples x 10000 iterations
# is 4 GB) draws chunk by chunk instead, so memory stays bounded and a cancel is
# seen between chunks. Budgets under the cap draw in one go, as they always did.
NOISE_CHUNK_BYTES = 64 * 2 ** 20


class PlanCancelled(Exception):
    """A solve was abandoned because its `should_stop` said so."""


@dataclass(frozen=True)
class PlannerConfig:
    """Planner settings; the defaults are the paper's protocol."""

    solver: str = 'cem'                 # 'cem' or 'mppi' (see make_planner)
    samples: int = 300                  # S candidates per environment and iteration
    iterations: int = 30                # sampling rounds per plan
    elites: int = 30                    # CEM: lowest-cost candidates refit each round
    horizon: int = 5                    # T action blocks per plan
    init_std: float = 1.0               # sampling std at the start, normalised units
    min_std: float = 0.0                # floor on the sampling std (paper: none)
    # Colour of the sampling noise over the plan's primitive steps: power spectrum
    # 1/f^noise_beta (iCEM, Pinneri et al. 2020). 0 = white, the paper's; 2 = smooth,
    # like the exploration data the model was trained on.
    noise_beta: float = 0.0
    # Which predicted latents the cost compares with the goal: 'final' (the paper's:
    # the latent after all T blocks) or 'every_block' (the mean over the latents
    # after each prefix: plans that reach the goal early and stay there score best,
    # and early prefixes are predicted more precisely than the last).
    goal_cost: str = 'final'
    # Clamp candidates to [norm_action_low, norm_action_high], in normalised
    # (z-scored) units (paper: none). Not the command bounds: those are per
    # dimension in environment units (RecedingHorizonController action_low/high).
    norm_action_low: Optional[float] = None
    norm_action_high: Optional[float] = None
    seed: int = 0                       # environment b uses seed + b
    warm_iterations: Optional[int] = None  # iterations of a warm-started replan (None: same)
    beta: float = 0.0                   # self-consistency weight (paper 1, released 0)
    chain_split: int = 2                # blocks before chaining for self-consistency
    warm_start: bool = True             # start from the shifted previous plan
    temperature: float = 0.5            # MPPI: softmax temperature on costs
    compile: bool = False               # torch.compile predict_final (CPU and CUDA)
    cuda_graph: bool = False            # CUDA only: capture the whole solve as a graph
    bf16: bool = False                  # CUDA only: autocast the model cost to bf16

    def __post_init__(self):
        def need(ok: bool, what: str):
            if not ok:
                raise ValueError(f'PlannerConfig: {what}')
        need(self.solver in SOLVERS, f'solver must be one of {SOLVERS}, got {self.solver!r}')
        need(self.samples >= 2, f'samples must be >= 2, got {self.samples}')
        need(self.iterations >= 1, f'iterations must be >= 1, got {self.iterations}')
        need(self.warm_iterations is None or self.warm_iterations >= 1,
             f'warm_iterations must be >= 1 (or None), got {self.warm_iterations}')
        need(2 <= self.elites <= self.samples,
             f'elites must be in [2, samples={self.samples}], got {self.elites}')
        need(self.horizon >= 1, f'horizon must be >= 1 block, got {self.horizon}')
        need(self.init_std > 0, f'init_std must be > 0, got {self.init_std}')
        need(self.min_std >= 0, f'min_std must be >= 0, got {self.min_std}')
        need(0 <= self.noise_beta <= 4, f'noise_beta must be in [0, 4], got {self.noise_beta}')
        need(self.goal_cost in GOAL_COSTS,
             f'goal_cost must be one of {GOAL_COSTS}, got {self.goal_cost!r}')
        need(self.beta >= 0, f'beta must be >= 0, got {self.beta}')
        need(self.temperature > 0, f'temperature must be > 0, got {self.temperature}')
        if self.norm_action_low is not None and self.norm_action_high is not None:
            need(self.norm_action_low < self.norm_action_high,
                 f'norm_action_low ({self.norm_action_low}) must be < norm_action_high '
                 f'({self.norm_action_high})')
        if self.beta > 0:
            need(0 < self.chain_split < self.horizon,
                 f'chain_split must be in [1, horizon-1={self.horizon - 1}] when beta > 0, '
                 f'got {self.chain_split}')


@dataclass
class PlanResult:
    """What a solve returns; tensors stay on the input's device."""

    actions: torch.Tensor       # (B, T, A) the final mean, normalised units
    cost: torch.Tensor          # (B,) cost of `actions`
    std: torch.Tensor           # (B, T, A) final sampling std
    cost_history: torch.Tensor  # (B, I) lowest candidate cost in each iteration
    iterations: int


def shift_plan(actions: torch.Tensor, steps: int, action_dim: int) -> torch.Tensor:
    """Warm start: drop the first `steps` primitive actions, pad with zeros.

    actions (B, T, A) in normalised units, A = block * action_dim. Zero is the
    prior mean of z-scored actions; steps >= T * block gives all zeros.
    """
    B, T, A = actions.shape
    if A % action_dim:
        raise ValueError(f'shift_plan: block size {A} is not a multiple of '
                         f'action_dim {action_dim}')
    if steps < 0:
        raise ValueError(f'shift_plan: steps must be >= 0, got {steps}')
    flat = actions.reshape(B, -1, action_dim)  # (B, T * block, action_dim)
    steps = min(steps, flat.shape[1])
    out = torch.zeros_like(flat)
    out[:, :flat.shape[1] - steps] = flat[:, steps:]
    return out.reshape(B, T, A)


def coloured(white: torch.Tensor, beta: float, action_dim: int) -> torch.Tensor:
    """Turn white noise (..., T, A) into 1/f^beta noise over the T * A / action_dim steps.

    Each of the action_dim channels is filtered along the primitive steps of the
    whole plan (blocks concatenated), then scaled back to unit variance per step,
    so `init_std` keeps its meaning. The filter is circular (FFT), as in iCEM.
    """
    *lead, T, A = white.shape
    x = white.reshape(*lead, T * A // action_dim, action_dim)  # (..., L, adim)
    steps = x.shape[-2]
    freqs = torch.fft.rfftfreq(steps, device=white.device)  # (F,)
    lowest = freqs[1] if steps > 1 else torch.ones(())
    gain = freqs.clamp_min(lowest) ** (-beta / 2)  # (F,); the mean (f = 0) as the lowest f
    kernel = torch.fft.irfft(gain, n=steps)  # impulse response: its energy is the variance
    y = torch.fft.irfft(torch.fft.rfft(x, dim=-2) * gain[:, None], n=steps, dim=-2)
    return (y / kernel.norm()).reshape(white.shape)


class CEMPlanner:
    """Batched CEM: candidate 0 is the current mean, elites by topk, plan = final mean."""

    def __init__(self, config: PlannerConfig | None = None):
        self.config = config or PlannerConfig()
        self._graphs: dict = {}

    # ---- solver core -------------------------------------------------------------
    def optimize(self, cost_fn: CostFn, mean: torch.Tensor, seed: int | None = None,
                 iterations: int | None = None, should_stop: StopFn | None = None,
                 action_dim: int | None = None) -> PlanResult:
        """Minimise `cost_fn` starting from `mean` (B, T, A); float32, any device.

        `iterations` overrides the config's (a warm replan needs fewer);
        `should_stop()` is polled between iterations and raises PlanCancelled.
        `action_dim` splits a block into primitive steps for coloured noise
        (default A: one step per block).
        """
        if mean.dim() != 3:
            raise ValueError(f'initial mean must be (B, T, A), got shape {tuple(mean.shape)}')
        iterations = iterations or self.config.iterations
        mean = mean.float()
        std = torch.full_like(mean, self.config.init_std)
        checked = self._checked(cost_fn)
        history = []
        with torch.inference_mode():
            chunks = self._noise_chunks(mean, seed, iterations, action_dim)
            for noise in chunks:  # (B, I chunk, S, T, A)
                mean, std, h = self._loop(checked, mean, std, noise, should_stop)
                history.append(h)
            cost = checked(mean.unsqueeze(1))[:, 0]  # (B,)
        return PlanResult(mean, cost, std, torch.cat(history, dim=1), iterations)

    def _noise_chunks(self, mean: torch.Tensor, seed: int | None, iterations: int,
                      action_dim: int | None = None):
        """Yield the solve's noise in chunks of iterations (see NOISE_CHUNK_BYTES)."""
        B, T, A = mean.shape
        per_iteration = self.config.samples * T * A * 4
        chunk = max(1, min(iterations, NOISE_CHUNK_BYTES // per_iteration))
        gens = self._generators(mean, seed)
        for first in range(0, iterations, chunk):
            yield self._draw(gens, mean, min(chunk, iterations - first), action_dim)

    def sample_noise(self, mean: torch.Tensor, seed: int | None = None,
                     iterations: int | None = None, action_dim: int | None = None
                     ) -> torch.Tensor:
        """Draw standard normal noise (B, I, S, T, A), row 0 of every iteration zero.

        Drawn up front, one generator per environment, so a batch equals separate
        calls and a captured CUDA graph needs no random-number kernels.
        """
        return self._draw(self._generators(mean, seed), mean,
                          iterations or self.config.iterations, action_dim)

    def _generators(self, mean: torch.Tensor, seed: int | None) -> list:
        """One generator per environment b, seeded seed + b, on the input's device."""
        seed = self.config.seed if seed is None else seed
        gens = [torch.Generator(device=mean.device) for _ in range(mean.shape[0])]
        for b, gen in enumerate(gens):
            gen.manual_seed(seed + b)
        return gens

    def _draw(self, gens, mean: torch.Tensor, iterations: int,
              action_dim: int | None = None) -> torch.Tensor:
        B, T, A = mean.shape
        S, beta = self.config.samples, self.config.noise_beta
        noise = torch.zeros(B, iterations, S, T, A, device=mean.device)
        for b, gen in enumerate(gens):
            # candidate 0 keeps zero noise, so it is exactly the current mean
            white = torch.randn(iterations, S - 1, T, A, generator=gen, device=mean.device)
            noise[b, :, 1:] = coloured(white, beta, action_dim or A) if beta else white
        return noise

    def _loop(self, cost_fn: CostFn, mean, std, noise, should_stop: StopFn | None = None):
        """Pure tensor iterations (no host sync), so CUDA graphs can capture them."""
        history = []
        for i in range(noise.shape[1]):
            if should_stop is not None and should_stop():
                raise PlanCancelled('plan cancelled')
            candidates = mean.unsqueeze(1) + std.unsqueeze(1) * noise[:, i]  # (B, S, T, A)
            candidates = self._clamp(candidates)
            cost = cost_fn(candidates)  # (B, S)
            history.append(cost.min(dim=1).values)
            mean, std = self._update(candidates, cost, mean, std)
        return mean, std, torch.stack(history, dim=1)  # (B, I)

    def _update(self, candidates, cost, mean, std):
        """Refit mean and std to the elites (the lowest costs)."""
        B, S, T, A = candidates.shape
        idx = torch.topk(cost, self.config.elites, dim=1, largest=False).indices  # (B, E)
        elites = torch.gather(candidates, 1, idx[:, :, None, None].expand(-1, -1, T, A))
        return elites.mean(dim=1), elites.std(dim=1).clamp_min(self.config.min_std)

    def _clamp(self, x: torch.Tensor) -> torch.Tensor:
        c = self.config
        if c.norm_action_low is None and c.norm_action_high is None:
            return x
        return x.clamp(c.norm_action_low, c.norm_action_high)

    @staticmethod
    def _checked(cost_fn: CostFn) -> CostFn:
        def wrapped(candidates: torch.Tensor) -> torch.Tensor:
            cost = cost_fn(candidates)
            B, S = candidates.shape[:2]
            if not isinstance(cost, torch.Tensor) or tuple(cost.shape) != (B, S):
                got = tuple(cost.shape) if isinstance(cost, torch.Tensor) else type(cost)
                raise ValueError(
                    f'cost_fn must return a tensor of shape (B, S) = {(B, S)} for '
                    f'candidates of shape (B, S, T, A) = {tuple(candidates.shape)}, '
                    f'got {got}')
            return cost.float()
        return wrapped

    # ---- world-model planning --------------------------------------------------------
    def plan(self, world_model, z: torch.Tensor, z_goal: torch.Tensor,
             init: torch.Tensor | None = None, seed: int | None = None,
             iterations: int | None = None, should_stop: StopFn | None = None
             ) -> PlanResult:
        """Plan action blocks that bring `z` (B, D) to `z_goal` (B, D).

        `init` (B, T, A) is the starting mean in normalised units (e.g. the shifted
        previous plan), zeros when None. Latents are encoded by the caller, once.
        `iterations` and `should_stop` as in `optimize`.
        """
        c = self.config
        A = check_inputs(world_model, z, z_goal, init, c.horizon)
        mean = torch.zeros(z.shape[0], c.horizon, A, device=z.device) if init is None else init
        cost = LatentCost(world_model, z, z_goal, c.beta, c.chain_split,
                          bf16=c.bf16 and z.device.type == 'cuda',
                          compiled=self._compile_fn(world_model), goal_cost=c.goal_cost)
        if c.cuda_graph and z.device.type == 'cuda':
            return self._plan_graphed(cost, mean.float(), seed, iterations or c.iterations)
        return self.optimize(cost, mean, seed, iterations, should_stop,
                             action_dim=world_model.config.action_dim)

    def _compile_fn(self, world_model):
        if not self.config.compile:
            return None
        return compiled_predict_final(world_model)

    def _plan_graphed(self, cost: 'LatentCost', mean, seed, iterations: int) -> PlanResult:
        """Replay one CUDA graph of the whole solve (captured once per shape)."""
        noise = self.sample_noise(mean, seed, iterations, cost.world_model.config.action_dim)
        std = torch.full_like(mean, self.config.init_std)
        key = (id(cost.world_model), tuple(cost.z.shape), tuple(mean.shape), cost.beta,
               cost.goal_cost, iterations)
        if key not in self._graphs:
            self._graphs[key] = _GraphedSolve(self, cost, mean, std, noise)
        with torch.inference_mode():
            mean, std, history, final = self._graphs[key].run(cost, mean, std, noise)
        return PlanResult(mean, final, std, history, iterations)


def compiled_predict_final(world_model):
    """torch.compile(world_model.predict_final), built once per model and cached.

    Compilation happens lazily on the first call (tens of seconds on a CPU); call
    it once at start-up (the planner node does at configure) to pay it there.
    """
    # kept on the model itself (not in a planner: a node makes a new planner per goal),
    # so it lives and dies with the model
    compiled = world_model.__dict__.get('_compiled_predict_final')
    if compiled is None:
        compiled = torch.compile(world_model.predict_final, dynamic=False)
        object.__setattr__(world_model, '_compiled_predict_final', compiled)
    return compiled


class _GraphedSolve:
    """Static buffers and a CUDA graph for `CEMPlanner._loop` plus the final cost."""

    def __init__(self, planner: CEMPlanner, cost: 'LatentCost', mean, std, noise):
        self.inputs = [t.clone() for t in (cost.z, cost.z_goal, mean, std, noise)]
        self.cost = LatentCost(cost.world_model, self.inputs[0], self.inputs[1], cost.beta,
                               cost.split, bf16=cost.bf16, compiled=cost.compiled,
                               goal_cost=cost.goal_cost)
        checked = planner._checked(self.cost)

        def solve():
            m, s, h = planner._loop(checked, *self.inputs[2:])
            return m, s, h, checked(m.unsqueeze(1))[:, 0]

        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream), torch.inference_mode():
            solve()  # warm-up outside the graph (lazy init, autotuning)
        torch.cuda.current_stream().wait_stream(stream)
        # the repeated start latents must be computed inside the graph, from the static z
        self.cost._repeated.clear()
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph), torch.inference_mode():
            self.outputs = solve()

    def run(self, cost: 'LatentCost', mean, std, noise):
        for dst, src in zip(self.inputs, (cost.z, cost.z_goal, mean, std, noise)):
            dst.copy_(src)
        self.graph.replay()
        return tuple(o.clone() for o in self.outputs)
