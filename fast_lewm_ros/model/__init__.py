# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The world model: ViT encoder, Fast-LeWM prefix predictor, LeWM baseline, SIGReg.

Shape letters, used in `# (B, T, D)` comments throughout the project: one meaning
each, never reused for something else. Lower-case names (`window`, `adim`) or
arithmetic (`T * action_block`) stand where no letter fits.
  B  batch (images, start states, or flattened B x S candidates)
  S  candidates per start state (planning)
  I  CEM iterations;  E  CEM elites
  T  horizon: number of action blocks
  A  size of one action block = action_block * action_dim
  D  latent size
  N  image patches
  L  latents in the autoregressive predictor's attention window (<= history)
  M  random SIGReg directions;  K  SIGReg knots
  H, W  image height and width
  F  frames of one recorded episode (steps + 1)
  Q  simulator state size;  P  proprioception size
  R  primitive steps executed before the next replan
  V  open-loop evaluation windows
  C  commands received in a recording (before they are aligned to frames)
"""
from fast_lewm_ros.model.checkpoint import CheckpointError
from fast_lewm_ros.model.model_config import ModelConfig
from fast_lewm_ros.model.predictors import PREDICTORS
from fast_lewm_ros.model.sigreg import sigreg
from fast_lewm_ros.model.world_model import WorldModel

__all__ = ['CheckpointError', 'ModelConfig', 'PREDICTORS', 'WorldModel', 'sigreg']
