# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""ModelConfig: every size of the world model, with named presets in config/models/.

The defaults are the `cpu` preset (64x64 input, a model that trains on two CPU
cores in tens of minutes). `ModelConfig.preset('paper')` gives the published
Fast-LeWM / LeWM sizes (ViT-tiny, 224x224, patch 14, D = 192).
"""
from __future__ import annotations

from dataclasses import dataclass

from fast_lewm_ros.strict_config import ConfigError, from_yaml
from fast_lewm_ros.model.predictors import PREDICTORS
from fast_lewm_ros.resources import share_path


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and switches of the world model (defaults = the `cpu` preset)."""

    # Observation: square RGB images of this side; patch_size must divide it.
    image_size: int = 64
    patch_size: int = 16
    # Image backbone: 'vit' (LeWM's ViT, CLS output) or 'conv' (a strided CNN as
    # DreamerV3 and PLDM use at 64 px: it keeps where things are in the image in
    # its flattened feature map instead of in 16 patch tokens).
    encoder: str = 'vit'
    # CNN: channels of the first stride-2 stage, doubled per stage down to 4x4.
    conv_width: int = 32
    # ViT encoder (paper: ViT-tiny 192 x 12 layers x 3 heads, MLP 768).
    encoder_width: int = 128
    encoder_depth: int = 4
    encoder_heads: int = 4
    encoder_mlp: int = 512
    # Initial value of the learned patch positions: 'random' (trunc. normal, as in
    # LeWM's ViT) or 'sincos' (a 2D sin/cos table, as in MAE).
    encoder_pos_init: str = 'random'
    # Hidden width of the BatchNorm projectors after the encoder and the predictor
    # (paper: 2048).
    projector_hidden: int = 512
    # Latent size D; also the width of both predictors (paper: 192).
    latent_dim: int = 64
    # Primitive action size of the task, and primitive actions per block (= frameskip).
    action_dim: int = 2
    action_block: int = 5
    # Proprioception size (only its normalisation statistics travel with the model).
    proprio_dim: int = 0
    # Longest action-block sequence the predictor is trained on (paper: 5 blocks).
    horizon: int = 5
    # A name in model/predictors.py's registry: 'prefix' (Fast-LeWM action-prefix
    # predictor) or 'autoregressive' (LeWM).
    predictor: str = 'prefix'
    # Predictor core, shared by both: AdaLN-zero blocks (paper: 6 x 16 heads x 64,
    # MLP 2048).
    predictor_depth: int = 4
    predictor_heads: int = 4
    predictor_head_dim: int = 16
    predictor_mlp: int = 256
    # Dropout inside predictor blocks (paper: 0.1); the encoder uses none.
    dropout: float = 0.1
    # Prefix model: causal prefix encoder (paper: 3 blocks x 6 heads, MLP 768).
    prefix_depth: int = 1
    prefix_heads: int = 4
    prefix_mlp: int = 256
    # Prefix model MLP widths: state token (paper 768), action block (paper:
    # Linear to 32, then 32 -> 768 -> D) and pointwise fusion (768).
    state_hidden: int = 256
    action_in: int = 32
    action_hidden: int = 256
    fusion_hidden: int = 256
    # Ablation: without the state token the prefix encoder sees actions only.
    use_state_token: bool = True
    # Autoregressive model: latents in its attention window (paper: 3) and the
    # Conv1d(k=1) channels of its action encoder (paper: 10).
    history: int = 3
    action_channels: int = 10

    def __post_init__(self) -> None:
        if self.predictor not in PREDICTORS:
            raise ConfigError(
                f'ModelConfig.predictor must be one of {tuple(PREDICTORS)}, got '
                f'{self.predictor!r}')
        if self.encoder not in ('vit', 'conv'):
            raise ConfigError(f"ModelConfig.encoder must be 'vit' or 'conv', got "
                              f'{self.encoder!r}')
        if self.encoder == 'conv' and not _is_four_times_power_of_two(self.image_size):
            raise ConfigError(f'ModelConfig.image_size {self.image_size} must be 4 x a power of '
                              f"two (8, 16, ..., 64, 128) for encoder 'conv'")
        if self.encoder_pos_init not in ('random', 'sincos'):
            raise ConfigError(f"ModelConfig.encoder_pos_init must be 'random' or 'sincos', got "
                              f'{self.encoder_pos_init!r}')
        if self.image_size % self.patch_size:
            raise ConfigError(
                f'ModelConfig.image_size {self.image_size} is not a multiple of '
                f'patch_size {self.patch_size}')
        if self.encoder_width % self.encoder_heads:
            raise ConfigError(
                f'ModelConfig.encoder_width {self.encoder_width} is not divisible by '
                f'encoder_heads {self.encoder_heads}')
        if self.latent_dim % self.prefix_heads:
            raise ConfigError(
                f'ModelConfig.latent_dim {self.latent_dim} is not divisible by '
                f'prefix_heads {self.prefix_heads}')
        for name in ('horizon', 'history', 'action_dim', 'action_block', 'latent_dim'):
            if getattr(self, name) < 1:
                raise ConfigError(f'ModelConfig.{name} must be >= 1, got {getattr(self, name)}')

    @property
    def conv_stages(self) -> int:
        """Stride-2 stages of the CNN encoder: image_size halves down to 4."""
        return max(self.image_size // 4, 1).bit_length() - 1

    @property
    def block_dim(self) -> int:
        """Size A of one action block: action_block primitive actions concatenated."""
        return self.action_block * self.action_dim

    @property
    def num_patches(self) -> int:
        """Patches N per image."""
        return (self.image_size // self.patch_size) ** 2

    @classmethod
    def preset(cls, name: str) -> 'ModelConfig':
        """Load config/models/<name>.yaml (unknown keys are an error)."""
        try:
            path = share_path('config', 'models', f'{name}.yaml')
        except FileNotFoundError as err:
            raise ConfigError(f'unknown model preset {name!r}: {err}') from err
        return from_yaml(cls, path)


def _is_four_times_power_of_two(size: int) -> bool:
    return size >= 8 and size % 4 == 0 and (size // 4) & (size // 4 - 1) == 0
