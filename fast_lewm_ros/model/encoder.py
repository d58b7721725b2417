# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Image encoder: a ViT (CLS output, LeWM's) or a strided CNN, then LeWM's BatchNorm projector."""
from __future__ import annotations

import torch
from torch import nn

from fast_lewm_ros.model.model_config import ModelConfig
from fast_lewm_ros.model.layers import Block, Projector, sincos_2d

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ViTEncoder(nn.Module):
    """ViT: patch embedding, CLS token, learned positions, pre-LN blocks, final LN."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        width = config.encoder_width
        self.patch_embed = nn.Conv2d(3, width, config.patch_size, stride=config.patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.pos_embed = nn.Parameter(torch.zeros(1, config.num_patches + 1, width))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        if config.encoder_pos_init == 'sincos':
            # Learned, but started smooth in the patch's (row, column): with random
            # starts, latents begin as a hash of which patch a small object is in.
            grid = config.image_size // config.patch_size
            with torch.no_grad():
                self.pos_embed[0, 1:] = sincos_2d(grid, width)
        else:
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.ModuleList(
            Block(width, config.encoder_heads, config.encoder_mlp)
            for _ in range(config.encoder_depth))
        self.norm = nn.LayerNorm(width)
        # HF ViT's initialisation (LeWM's encoder): truncated normal, std 0.02.
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                nn.init.trunc_normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)  # (B, N, width)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)  # (B, N+1, width)
        x = x + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.norm(x)[:, 0]  # (B, width): the CLS token


class ConvEncoder(nn.Module):
    """Strided CNN (DreamerV3's image encoder): 4x4 convs of stride 2 down to 4x4, then a Linear.

    Each stage halves the image and doubles the channels (conv_width, 2x, 4x, ...);
    GroupNorm(1) normalises each image's feature map (a LayerNorm over C, H, W), so
    no statistics are shared across the batch before the projector's BatchNorm.
    The 4x4 map is flattened, not pooled: where the arm or the cube is stays in
    which feature holds it.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        layers, channels = [], 3
        for stage in range(config.conv_stages):
            out = config.conv_width << stage
            layers += [nn.Conv2d(channels, out, 4, stride=2, padding=1),
                       nn.GroupNorm(1, out), nn.SiLU()]
            channels = out
        self.stages = nn.Sequential(*layers)
        self.head = nn.Linear(channels * 4 * 4, config.encoder_width)
        self.norm = nn.LayerNorm(config.encoder_width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(x)  # (B, C, 4, 4)
        return self.norm(self.head(x.flatten(1)))  # (B, width)


class Encoder(nn.Module):
    """Pixels -> latent (B, D): ImageNet normalisation, ViT or CNN, BatchNorm projector."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.image_size = config.image_size
        # Named by kind so a checkpoint's tensor names say which backbone it holds
        # ('encoder.vit.*' as in every checkpoint before the CNN existed).
        if config.encoder == 'conv':
            self.cnn = ConvEncoder(config)
        else:
            self.vit = ViTEncoder(config)
        self.projector = Projector(config.encoder_width, config.projector_hidden,
                                   config.latent_dim)
        self.register_buffer('pixel_mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('pixel_std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1),
                             persistent=False)

    def preprocess(self, pixels: torch.Tensor) -> torch.Tensor:
        """uint8 (B, H, W, 3) -> normalised float (B, 3, H, W); float (B, 3, H, W) as is.

        Float input is taken to be ImageNet-normalised already. Images are never
        resized: a wrong size is an error, because a silently resized camera image
        is a different input distribution.
        """
        size = self.image_size
        if pixels.dtype == torch.uint8:
            if pixels.ndim != 4 or pixels.shape[-1] != 3:
                raise ValueError(f'uint8 pixels must be (B, H, W, 3), got {tuple(pixels.shape)}')
            if tuple(pixels.shape[1:3]) != (size, size):
                raise ValueError(f'pixels are {pixels.shape[1]}x{pixels.shape[2]}, the model '
                                 f'expects {size}x{size} (ModelConfig.image_size)')
            x = pixels.to(self.pixel_mean.device).permute(0, 3, 1, 2).float() / 255.0
            return (x - self.pixel_mean) / self.pixel_std  # (B, 3, H, W)
        if not pixels.is_floating_point():
            raise ValueError(f'pixels must be uint8 (B, H, W, 3) or float (B, 3, H, W), got '
                             f'dtype {pixels.dtype}')
        if pixels.ndim != 4 or tuple(pixels.shape[1:]) != (3, size, size):
            raise ValueError(f'float pixels must be (B, 3, {size}, {size}), got '
                             f'{tuple(pixels.shape)}')
        return pixels

    @property
    def backbone(self) -> nn.Module:
        """Return the ViT or the CNN: pixels (B, 3, H, W) -> features (B, encoder_width)."""
        return self.cnn if hasattr(self, 'cnn') else self.vit

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = self.preprocess(pixels)
        param = self.projector.net[0].weight
        features = self.backbone(x.to(device=param.device, dtype=param.dtype))  # (B, width)
        return self.projector(features)  # (B, D)
