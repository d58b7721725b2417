import numpy as np, torch, sys
from fast_lewm_ros.data.start_goal import EVAL_SEED, sample_start_goal
from fast_lewm_ros.envs import make
from fast_lewm_ros.envs.base import wrap_angle
from fast_lewm_ros.evaluation.ranking import to_env_actions
from fast_lewm_ros.model import WorldModel
from fast_lewm_ros.planning import CEMPlanner, PlannerConfig
torch.set_num_threads(1)
model = WorldModel.load(sys.argv[1]).eval()
env = make('reacher'); task = env.unwrapped; env.reset(seed=0)
cfg = PlannerConfig(noise_beta=2.0, goal_cost='every_block')
errs = []
for i, pair in enumerate(sample_start_goal(20, EVAL_SEED, env='reacher')):
    env.reset(options={'state': pair.start, 'goal_state': pair.goal})
    with torch.inference_mode():
        z = model.encode(torch.from_numpy(task.render()[None])); zg = model.encode(torch.from_numpy(task.goal_image()[None]))
    plan = CEMPlanner(cfg).plan(model, z, zg, seed=i)
    acts = np.clip(to_env_actions(model, plan.actions)[0], -1, 1)
    for a in acts: task.advance(a)
    s = task.get_state()
    e0 = abs(wrap_angle(s[0] - pair.goal[0])); e1 = abs(s[1] - pair.goal[1])
    s0 = abs(wrap_angle(pair.start[0] - pair.goal[0])); s1 = abs(pair.start[1] - pair.goal[1])
    errs.append((e0, e1)); print(f'{i}: start sh {s0:.2f} wr {s1:.2f} -> end sh {e0:.3f} wr {e1:.3f}', flush=True)
e = np.array(errs); print('median end error shoulder %.3f wrist %.3f' % tuple(np.median(e, 0)))
