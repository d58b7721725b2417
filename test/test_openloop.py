# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""`fast-lewm openloop`: windows, per-horizon errors on constructed cases, CLI, ranking."""
import json
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
from test_eval_helpers import save_tiny, tiny_episodes
import torch

from fast_lewm_ros.cli import main
from fast_lewm_ros.evaluation.latent_error import (latent_errors, normalised_error,
                                                   sample_windows, Windows)
from fast_lewm_ros.evaluation.ranking import spearman, top_overlap


class AdditiveWorld(torch.nn.Module):
    """Latent = mean pixel value (D = 3); prediction adds the summed block actions.

    Its direct and chained predictions agree exactly, and its persistence error
    is known in closed form.
    """

    def __init__(self):
        super().__init__()
        self.config = SimpleNamespace(image_size=4, action_block=1, action_dim=2,
                                      block_dim=2, horizon=3, predictor='prefix')
        self.anchor = torch.nn.Parameter(torch.zeros(()))  # gives the model a device

    def encode(self, pixels):
        return pixels.float().mean(dim=(1, 2))  # (B, 3)

    def normalize_actions(self, actions):
        return actions

    def predict(self, z, actions):
        return z.unsqueeze(1) + actions.sum(-1, keepdim=True).cumsum(1)  # (B, T, 3)

    def predict_chained(self, z, actions, split):
        out = []
        for k in range(actions.shape[1]):
            z = self.predict(z, actions[:, k:k + 1])[:, 0]
            out.append(z)
        return torch.stack(out, 1)


def test_persistence_and_agreement_on_a_constructed_case():
    # Window w, frame j shows the value 2w + 10j (window 0 stays at 0): z_k - z_0 = 10k
    # in every dim, and the actions (+5 per action value, +10 per block) say so.
    W, T = 4, 3
    values = 2 * np.arange(W)[:, None] + 10 * np.arange(T + 1)[None]  # (W, T + 1)
    values[0] = 0
    pixels = np.broadcast_to(values[:, :, None, None, None], (W, T + 1, 4, 4, 3))
    actions = np.full((W, T, 2), 5.0, np.float32)
    actions[0] = 0.0
    windows = Windows(pixels.astype(np.uint8), actions, np.zeros(W), np.zeros(W),
                      'FastLeWM/TwoRoom-v0', 1)
    result = latent_errors(AdditiveWorld(), windows, batch=3)
    variance = values.reshape(-1).astype(np.float64).var(ddof=1)
    # float32 latents: every comparison at float32 scale (rel 1e-5 / abs 1e-6), since
    # float32 results differ across CPUs at ~1e-8 (a 1e-9 bound failed on another CPU).
    assert result['latent_variance'] == pytest.approx(variance, rel=1e-5)
    k = np.arange(1, T + 1)
    # persistence misses by 10k in the three moving windows
    np.testing.assert_allclose(result['error']['persistence'],
                               (W - 1) / W * (10 * k) ** 2 / variance, rtol=1e-5)
    np.testing.assert_allclose(result['error']['direct'], 0.0, atol=1e-6)
    np.testing.assert_allclose(result['agreement']['direct_vs_chained'], 0.0, atol=1e-6)
    # rolled actions: window 1 gets window 0's zeros, window 0 gets window 3's +10s
    np.testing.assert_allclose(result['error']['shuffled'], 2 / W * (10 * k) ** 2 / variance,
                               rtol=1e-5)
    assert result['slope']['persistence']['slope'] > 0
    mean, sem = normalised_error(torch.zeros(2, 1, 3), torch.ones(2, 1, 3), 0.5)
    assert mean.tolist() == [2.0] and sem.tolist() == [0.0]


def test_windows_hold_frames_every_block_and_their_actions(tmp_path):
    data = tiny_episodes(tmp_path / 'held.h5', steps=30)
    windows = sample_windows(data, horizon=2, max_windows=5, seed=1)
    assert windows.pixels.shape == (5, 3, 16, 16, 3)
    assert windows.actions.shape == (5, 2, 10)
    with h5py.File(data, 'r') as f:
        for i in range(5):
            row = int(f['episode_start'][windows.episode[i]]) + int(windows.step[i])
            np.testing.assert_array_equal(windows.pixels[i, 2], f['pixels'][row + 10])
            np.testing.assert_array_equal(windows.actions[i, 1], f['action'][row + 5:row + 10]
                                          .reshape(-1))
    with pytest.raises(ValueError, match='no episode has 36 rows'):
        sample_windows(data, horizon=7)


def test_openloop_cli_two_models_plot_json_and_ranking(tmp_path):
    data = tiny_episodes(tmp_path / 'held.h5', steps=40)
    prefix = save_tiny(tmp_path / 'prefix.safetensors', 'prefix')
    ar = save_tiny(tmp_path / 'ar.safetensors', 'autoregressive')
    out, plot = tmp_path / 'o.json', tmp_path / 'o.png'
    rc = main(['openloop', '--checkpoint', prefix, '--checkpoint', ar, '--data', data,
               '--json', str(out), '--plot', str(plot), '--max-windows', '12',
               '--ranking', '--ranking-problems', '2', '--ranking-samples', '8',
               '--samples', '8', '--iterations', '2', '--elites', '3'])
    assert rc == 0 and plot.stat().st_size > 0
    result = json.loads(out.read_text())
    assert result['windows'] == 12 and result['horizon'] == 5
    assert [m['label'] for m in result['models']] == ['prefix', 'autoregressive']
    for m in result['models']:
        for name in ('direct', 'chained', 'persistence', 'shuffled'):
            assert len(m['error'][name]) == 5 and all(e >= 0 for e in m['error'][name])
            assert np.isfinite(m['slope'][name]['slope'])
        # float32 scale: 1.9e-8 on one CPU, 0 on another
        assert m['agreement']['direct_vs_chained'][0] == pytest.approx(0.0, abs=1e-6)
        assert m['error']['shuffled'] != m['error']['direct']
    # the two models see the same frames but measure persistence in their own spaces
    assert result['models'][0]['latent_variance'] != result['models'][1]['latent_variance']
    for check in result['ranking']:
        assert check['problems'] == 2 and len(check['per_problem']) == 2
        rho = check['summary']['rho_distance']['mean']
        assert rho is None or -1.0 <= rho <= 1.0
        assert 0.0 <= check['summary']['top_overlap']['mean'] <= 1.0


def test_rank_helpers():
    assert spearman(np.array([1.0, 2, 3]), np.array([10.0, 30, 20])) == pytest.approx(0.5)
    assert spearman(np.ones(3), np.arange(3.0)) is None
    assert top_overlap(np.array([0.0, 1, 2, 3]), np.array([1.0, 0, 3, 2]), 2) == 1.0
    assert top_overlap(np.array([0.0, 1, 2, 3]), np.array([3.0, 2, 1, 0]), 2) == 0.0


def test_openloop_cli_errors_name_the_problem(tmp_path, capsys):
    data = tiny_episodes(tmp_path / 'held.h5', steps=30)
    assert main(['openloop', '--checkpoint', str(tmp_path / 'x.safetensors'),
                 '--data', data]) == 2
    assert 'does not exist' in capsys.readouterr().err
    ckpt = save_tiny(tmp_path / 'm.safetensors', 'prefix')
    assert main(['openloop', '--checkpoint', ckpt, '--data', data, '--max-windows', '1']) == 2
    assert '--max-windows' in capsys.readouterr().err
