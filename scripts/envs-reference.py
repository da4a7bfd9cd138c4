#!/usr/bin/env python3
"""envs-reference.py - reference trajectories of Gymnasium's own MuJoCo envs, for flowrl's env tests.

Runs the real packages (versions pinned in scripts/envs-reference-requirements.txt and checked
below) and writes small HDF5 fixtures that tests/envs/reference_replay_test.cpp replays in flowrl's
envs from the same states. The default test suite reads only the committed fixtures; this script is
needed only to remake them:

    python3 -m venv /tmp/envs-ref && /tmp/envs-ref/bin/pip install -r scripts/envs-reference-requirements.txt
    /tmp/envs-ref/bin/python scripts/envs-reference.py [--out tests/fixtures/envs] [--only ant ...]

Targets (flowrl env <- Gymnasium env, its default arguments unless said):
    ant            <- Ant-v4 with use_contact_forces=False: Gym v3's Ant reward and termination with the
                      contact cost at zero, as D4RL's ant-*-v2 files have it; flowrl appends the 84 zero
                      contact values.
    hopper-v5      <- Hopper-v5
    walker2d-v5    <- Walker2d-v5
    halfcheetah-v5 <- HalfCheetah-v5
    ant-v5         <- Ant-v5

Each fixture holds, per step (arrays over the steps of an episode, one group per episode):
    qpos, qvel          the state before the step (as set_state() takes it)
    x_before            the forward position Gymnasium read before the step (qpos[0] for the planar
                        bodies; for Ant the torso frame's x, which after mj_step lags one physics step)
    action              the action (float64, inside the action space)
    reward, terminated  what Gymnasium returned
    next_observation    the observation Gymnasium returned (the next row's qpos, qvel are the state after)
and resets/{qpos,qvel,observation}: Gymnasium's reset states for seeds 0..N-1.
With --returns POLICY TARGET it instead prints the returns of a shipped policy's deterministic
actions in the target's Gymnasium env (--episodes N from seed --seed on), to compare with what
evaluate-policy measures in flowrl's env:

    /tmp/envs-ref/bin/python scripts/envs-reference.py --returns ant-trpo.h5 ant --episodes 300 --seed 1000

Before writing, the script checks that flowrl's MJCF file compiles (in this MuJoCo) to the same
model as Gymnasium's file, to rounding, and that both give the same 300-step rollout to 1e-9; it
stops if not.
"""
import argparse
import os
import sys

import h5py
import numpy as np

PINNED = {"gymnasium": "1.4.0", "mujoco": "3.3.7"}
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# flowrl env -> Gymnasium id, make() keyword arguments, flowrl model, Gymnasium model, behaviour policy
TARGETS = {
    "ant": dict(gym_id="Ant-v4", kwargs=dict(use_contact_forces=False), model="ant.xml", gym_model="ant.xml",
                policy="ant-ars.h5", pad_policy_input=84),
    "hopper-v5": dict(gym_id="Hopper-v5", kwargs={}, model="hopper.xml", gym_model="hopper.xml",
                      policy="hopper-trpo.h5"),
    "walker2d-v5": dict(gym_id="Walker2d-v5", kwargs={}, model="walker2d_v5.xml", gym_model="walker2d_v5.xml",
                        policy="walker2d-trpo.h5"),
    "halfcheetah-v5": dict(gym_id="HalfCheetah-v5", kwargs={}, model="half_cheetah.xml", gym_model="half_cheetah.xml",
                           policy="halfcheetah-tqc.h5"),
    "ant-v5": dict(gym_id="Ant-v5", kwargs={}, model="ant.xml", gym_model="ant.xml", policy="ant-ars.h5",
                   pad_policy_input=84),
}


def check_versions():
    import gymnasium
    import mujoco
    found = {"gymnasium": gymnasium.__version__, "mujoco": mujoco.__version__}
    if found != PINNED:
        sys.exit(f"envs-reference: needs {PINNED}, found {found} (pip install -r scripts/envs-reference-requirements.txt)")


class MlpPolicy:
    """The deterministic action of an mlp-policy/1 file (data/policies/README.md)."""

    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.layers = []
            for i in range(int(f.attrs["n_layers"])):
                g = f[f"layers/{i}"]
                act = g.attrs["activation"]
                act = act.decode() if isinstance(act, bytes) else str(act)
                bias = g["bias"][()].astype(np.float64) if "bias" in g else None
                self.layers.append((g["weight"][()].astype(np.float64), bias, act))
            self.normalize = int(f.attrs["normalize_obs"]) == 1
            if self.normalize:
                self.mean, self.var = f["obs_mean"][()], f["obs_var"][()]
                self.clip, self.eps = float(f.attrs["obs_clip"]), float(f.attrs["obs_eps"])
            out = f.attrs["output"]
            self.tanh = (out.decode() if isinstance(out, bytes) else str(out)) == "tanh"

    def act(self, obs):
        h = np.asarray(obs, dtype=np.float64)
        if self.normalize:
            h = np.clip((h - self.mean) / np.sqrt(self.var + self.eps), -self.clip, self.clip)
        for w, b, act in self.layers:
            h = w @ h + (b if b is not None else 0.0)
            h = np.tanh(h) if act == "tanh" else np.maximum(h, 0.0) if act == "relu" else h
        return np.tanh(h) if self.tanh else np.clip(h, -1.0, 1.0)


def compare_models(flowrl_file, gym_file):
    """Where the two files compile to different models in this MuJoCo: compiled arrays that differ by
    more than rounding (names, visuals and <custom> aside; a slide joint's position has no effect),
    and a 300-step rollout under the same random controls."""
    import mujoco
    a, b = mujoco.MjModel.from_xml_path(flowrl_file), mujoco.MjModel.from_xml_path(gym_file)
    ignored = ("name", "tex", "mat", "light", "cam", "vis", "geom_rgba", "geom_matid", "numeric", "nnumeric",
               "text", "ntext", "nnames", "nbuffer", "npaths", "paths", "signature", "skin", "nmat", "ntex",
               "nlight", "ncam", "bvh_", "geom_aabb")
    differ = []
    for key in dir(a):
        if key.startswith("_") or key.startswith(ignored):
            continue
        try:
            va, vb = getattr(a, key), getattr(b, key)
        except Exception:
            continue
        if callable(va) or not isinstance(va, (int, float, np.ndarray)):
            continue
        va, vb = np.array(va, dtype=float), np.array(vb, dtype=float)
        if key == "jnt_pos" and va.shape == vb.shape:
            slide = a.jnt_type == mujoco.mjtJoint.mjJNT_SLIDE
            va[slide], vb[slide] = 0.0, 0.0
        if va.shape != vb.shape or (va.size and not np.allclose(va, vb, rtol=1e-12, atol=1e-12)):
            differ.append(key)
    for key in dir(a.opt):
        if not key.startswith("_") and not callable(getattr(a.opt, key)):
            if np.any(np.asarray(getattr(a.opt, key)) != np.asarray(getattr(b.opt, key))):
                differ.append("opt." + key)
    # and the same rollout, to rounding
    da, db = mujoco.MjData(a), mujoco.MjData(b)
    rng = np.random.default_rng(0)
    for _ in range(300):
        ctrl = rng.uniform(-1, 1, a.nu)
        da.ctrl[:] = ctrl
        db.ctrl[:] = ctrl
        mujoco.mj_step(a, da)
        mujoco.mj_step(b, db)
    if not (np.allclose(da.qpos, db.qpos, rtol=0, atol=1e-9) and np.allclose(da.qvel, db.qvel, rtol=0, atol=1e-9)):
        differ.append("rollout")
    return differ


def forward_position(env, target):
    return float(env.data.body("torso").xpos[0]) if target["gym_id"].startswith("Ant") else float(env.data.qpos[0])


def policy_input(env, obs, target):
    if target.get("pad_policy_input"):
        # the Ant policies take qpos[2:] ++ qvel ++ 84 zeros
        return np.concatenate([env.data.qpos[2:], env.data.qvel, np.zeros(target["pad_policy_input"])])
    return obs


def record_episode(env, target, policy, mode, seed, steps, rng):
    """One episode of up to `steps` steps from reset(seed); mode: policy | noisy | uniform."""
    obs, _ = env.reset(seed=seed)
    rows = {k: [] for k in ("qpos", "qvel", "x_before", "action", "reward", "terminated", "next_observation")}
    lo, hi = env.action_space.low.astype(np.float64), env.action_space.high.astype(np.float64)
    for _ in range(steps):
        if mode == "uniform":
            action = rng.uniform(lo, hi)
        else:
            action = policy.act(policy_input(env, obs, target))
            if mode == "noisy":
                action = np.clip(action + 0.3 * rng.standard_normal(action.shape), lo, hi)
        rows["qpos"].append(env.data.qpos.copy())
        rows["qvel"].append(env.data.qvel.copy())
        rows["x_before"].append(forward_position(env, target))
        obs, reward, terminated, truncated, _ = env.step(action)
        rows["action"].append(np.asarray(action, dtype=np.float64))
        rows["reward"].append(float(reward))
        rows["terminated"].append(int(terminated))
        rows["next_observation"].append(np.asarray(obs, dtype=np.float64))
        if terminated:
            break
    return {k: np.asarray(v) for k, v in rows.items()}


def make_fixture(name, target, out_dir, episodes, steps, resets):
    import gymnasium as gym
    import mujoco
    gym_assets = os.path.join(os.path.dirname(gym.__file__), "envs", "mujoco", "assets")
    differ = compare_models(os.path.join(ROOT, "envs", "assets", target["model"]),
                            os.path.join(gym_assets, target["gym_model"]))
    if differ:
        sys.exit(f"envs-reference: envs/assets/{target['model']} and Gymnasium's {target['gym_model']} differ in: "
                 + ", ".join(differ))
    env = gym.make(target["gym_id"], **target["kwargs"]).unwrapped
    policy = MlpPolicy(os.path.join(ROOT, "data", "policies", target["policy"])) if target.get("policy") else None
    rng = np.random.default_rng(12345)
    path = os.path.join(out_dir, f"{name.replace('-', '_')}_reference.h5")
    with h5py.File(path, "w") as f:
        f.attrs["flowrl_env"] = name
        f.attrs["gymnasium_id"] = target["gym_id"]
        f.attrs["gymnasium_kwargs"] = repr(target["kwargs"])
        f.attrs["gymnasium_version"] = gym.__version__
        f.attrs["mujoco_version"] = mujoco.__version__
        f.attrs["made_by"] = "scripts/envs-reference.py"
        f.attrs["dt"] = env.dt
        modes = ["policy", "noisy", "uniform"] if policy else ["uniform"]
        for k in range(episodes):
            ep = record_episode(env, target, policy, modes[k % len(modes)], 1000 + k, steps, rng)
            g = f.create_group(f"episodes/{k}")
            g.attrs["mode"] = modes[k % len(modes)]
            for key, value in ep.items():
                g.create_dataset(key, data=value)
        qpos, qvel, obs = [], [], []
        for seed in range(resets):
            o, _ = env.reset(seed=seed)
            qpos.append(env.data.qpos.copy())
            qvel.append(env.data.qvel.copy())
            obs.append(np.asarray(o, dtype=np.float64))
        f.create_dataset("resets/qpos", data=np.asarray(qpos))
        f.create_dataset("resets/qvel", data=np.asarray(qvel))
        f.create_dataset("resets/observation", data=np.asarray(obs))
    print(f"{path}: {episodes} episodes of up to {steps} steps, {resets} resets; model check passed")


def print_returns(policy_file, name, episodes, seed):
    import gymnasium as gym
    target = TARGETS[name]
    env = gym.make(target["gym_id"], **target["kwargs"])  # with Gymnasium's 1000-step TimeLimit
    policy = MlpPolicy(os.path.join(ROOT, "data", "policies", policy_file))
    returns, lengths = [], []
    for k in range(episodes):
        obs, _ = env.reset(seed=seed + k)
        total, steps, done = 0.0, 0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(policy.act(policy_input(env.unwrapped, obs, target)))
            total, steps, done = total + reward, steps + 1, terminated or truncated
        returns.append(total)
        lengths.append(steps)
    r = np.asarray(returns)
    print(f"{policy_file} in {target['gym_id']} {target['kwargs'] or ''}, {episodes} episodes from seed {seed}: "
          f"return {r.mean():.1f} ± {r.std():.1f} ({r.min():.1f}..{r.max():.1f}), length {np.mean(lengths):.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "envs"))
    parser.add_argument("--only", nargs="*", choices=sorted(TARGETS), help="targets to make (default: all)")
    parser.add_argument("--episodes", type=int, default=3, help="episodes per fixture, or --returns episodes")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--resets", type=int, default=100)
    parser.add_argument("--returns", nargs=2, metavar=("POLICY", "TARGET"),
                        help="print a data/policies file's returns in a target's Gymnasium env instead")
    parser.add_argument("--seed", type=int, default=0, help="--returns: the first episode's seed")
    args = parser.parse_args()
    check_versions()
    if args.returns:
        if args.returns[1] not in TARGETS:
            sys.exit(f"envs-reference: unknown target {args.returns[1]}; known: {', '.join(sorted(TARGETS))}")
        print_returns(args.returns[0], args.returns[1], args.episodes, args.seed)
        return
    os.makedirs(args.out, exist_ok=True)
    for name in args.only or sorted(TARGETS):
        make_fixture(name, TARGETS[name], args.out, args.episodes, args.steps, args.resets)


if __name__ == "__main__":
    main()
