# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Helpers (no tests): tiny world models and episode files for the eval and openloop tests."""
from dataclasses import replace

import torch

from fast_lewm_ros.data.collect import collect
from fast_lewm_ros.model import ModelConfig, WorldModel


def tiny_model(predictor: str, seed: int = 0) -> WorldModel:
    """Build a random `tiny`-preset model whose zero-initialised layers are filled too.

    AdaLN-zero and zero-init output layers make a fresh model ignore its actions;
    filling them gives predictions that depend on the actions, as a trained
    model's do, so rankings and shuffled-action errors are not degenerate.
    """
    torch.manual_seed(seed)
    model = WorldModel(replace(ModelConfig.preset('tiny'), predictor=predictor))
    with torch.no_grad():
        for p in model.parameters():
            if p.abs().max() == 0:
                p.normal_(0.0, 0.3)
    return model.eval()


def save_tiny(path, predictor: str, env_id: str = 'FastLeWM/TwoRoom-v0', data=()):
    tiny_model(predictor).save(path, {'env_id': env_id, 'data': [str(d) for d in data]})
    return str(path)


def tiny_episodes(path, env: str = 'tworoom', episodes: int = 2, steps: int = 40,
                  seed: int = 7) -> str:
    collect(env, episodes, path, seed=seed, image_size=16, episode_steps=steps,
            progress=False)
    return str(path)
