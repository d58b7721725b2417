# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The one registry of predictor names: `ModelConfig.predictor` picks an entry."""
from __future__ import annotations

from fast_lewm_ros.model.ar_predictor import ARPredictor
from fast_lewm_ros.model.predictor import Predictor
from fast_lewm_ros.model.prefix_predictor import PrefixPredictor

# name -> class; the first entry is the default. 'prefix' is Fast-LeWM's
# action-prefix predictor, 'autoregressive' LeWM's one-block-per-call baseline.
PREDICTORS: dict[str, type[Predictor]] = {
    'prefix': PrefixPredictor,
    'autoregressive': ARPredictor,
}
