"""Scratch: eval with a whitened (top-k PCA) latent cost. argv: CKPT DATA REL_FLOOR OUTJSON [eval args...]"""
import sys, numpy as np, torch, h5py
from fast_lewm_ros.model import WorldModel
import fast_lewm_ros.planning.cem as cem
from fast_lewm_ros.planning.costs import LatentCost
torch.set_num_threads(1)
ckpt, data, floor, out = sys.argv[1:5]
m = WorldModel.load(ckpt).eval()
with h5py.File(data, 'r') as f:
    key = [k for k in f.keys()]
    print('keys', key)
    px = f['pixels'] if 'pixels' in f else f['observations']
    idx = np.sort(np.random.default_rng(0).choice(px.shape[0], 3000, replace=False))
    ims = torch.from_numpy(px[idx])
with torch.inference_mode():
    Z = torch.cat([m.encode(ims[i:i+250]) for i in range(0, len(ims), 250)])
ev, U = torch.linalg.eigh(torch.cov(Z.T))
keep = ev > float(floor) * ev.max()
W = (U[:, keep] / ev[keep].sqrt())  # (D, K)
W = W * (ev.sum() / keep.sum()).sqrt()  # keep the overall scale comparable
print('kept', int(keep.sum()), 'dims; eigen', ev.flip(0)[:10].numpy().round(3))
class Whitened(LatentCost):
    def __call__(self, candidates):
        B, S, T, A = candidates.shape
        z = self.z.repeat_interleave(S, dim=0)
        acts = candidates.reshape(B * S, T, A)
        if self.goal_cost == 'every_block':
            zh = self.world_model.predict(z, acts).view(B, S, T, -1)
            d = (zh - self.z_goal[:, None, None]) @ W
            return d.pow(2).sum(-1).mean(-1)
        zh = self.world_model.predict_final(z, acts).view(B, S, -1)
        return ((zh - self.z_goal[:, None]) @ W).pow(2).sum(-1)
cem.LatentCost = Whitened
from fast_lewm_ros.cli import main
sys.argv = ['fast-lewm', 'eval', '--checkpoint', ckpt, '--json', out] + sys.argv[5:]
main()
