#!/usr/bin/python3
"""An independent learner of one's own against samarl's step API.

Every agent has its own linear softmax policy over the env.levels actions,
trained by REINFORCE on its own Lagrangian return: the discounted sum of
(r - lambda_i g) / a_i from each step (a_i its demand scale, so that every
household's signal has the same size), less a per-agent, per-step baseline.
Each agent also keeps its own multiplier lambda_i, which after every episode
rises when its mean grid draw exceeded its share of the capacity and falls
otherwise (samarl run's dual.mode = local: no communication). Only numpy and
samarl.env; a few seconds.

    PYTHONPATH=python /usr/bin/python3 python/examples/independent_learner.py \
        [--agents 64] [--episodes 16] [--horizon 48] [--seed 1]

It prints, per training episode, the mean return per agent (the sum of r over
the episode), the grid draw against the capacity and the mean multiplier,
then the greedy policy against uniformly random actions on evaluation noise.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import samarl.env  # noqa: E402


def features(obs):
    """The observation with a bias column (DR-v1's features are already scale-free)."""
    return np.concatenate([obs, np.ones((obs.shape[0], 1), np.float32)], axis=1).astype(np.float64)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sample(p, rng):
    """One action per row of p."""
    u = rng.random((p.shape[0], 1))
    return np.minimum((p.cumsum(axis=1) < u).sum(axis=1), p.shape[1] - 1)


def evaluate(env, act, lam, episode):
    """Mean return per agent and grid draw / capacity over one episode of eval noise."""
    obs = env.reset(episode=episode, noise="eval", lam=lam)
    ret, draw = np.zeros(env.agents), 0.0
    for _ in range(env.horizon):
        obs, r, g, _, trunc, _ = env.step(act(obs), lam=lam)
        ret += r
        draw += g.sum()
        if trunc.all():
            break
    return ret.mean(), draw / (env.horizon * env.capacity)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, default=64)
    ap.add_argument("--episodes", type=int, default=16)
    ap.add_argument("--horizon", type=int, default=48, help="steps per episode (env.horizon)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    env = samarl.env.make(overrides={"graph.agents": args.agents, "graph.type": "ring",
                                     "graph.k": 1, "env.horizon": args.horizon,
                                     "run.seed": args.seed})
    N, D, K, H = env.agents, env.observation_size, env.action_levels, env.horizon
    rng = np.random.default_rng(args.seed)
    a = env.scales.astype(np.float64)
    share = env.capacity * a / a.sum()  # each agent's share of C per step
    W = np.zeros((N, K, D + 1))  # policy: logits = W x
    base = np.zeros((H, N))  # baseline of the return from step t
    lam = np.full(N, env.lambda0, np.float32)
    lr, gamma, eta = 0.8, 0.97, 0.05
    print(f"{env}: capacity {env.capacity:.4g} kWh per step; {args.episodes} episodes x {H} "
          f"steps")

    for ep in range(args.episodes):
        obs = env.reset(episode=ep, noise="train", lam=lam)
        X, P = np.zeros((H, N, D + 1)), np.zeros((H, N, K))
        A, RL = np.zeros((H, N), np.int64), np.zeros((H, N))
        ret, usage = np.zeros(N), np.zeros(N)
        for t in range(H):
            X[t] = features(obs)
            P[t] = softmax(np.einsum("nkd,nd->nk", W, X[t]))
            A[t] = sample(P[t], rng)
            obs, r, g, _, trunc, _ = env.step(A[t], lam=lam)
            RL[t] = (r - lam * g) / a  # the Lagrangian reward, per unit of scale
            ret += r
            usage += g
        # REINFORCE: returns from each step, less the baseline, normalised per agent.
        G, acc = np.zeros((H, N)), np.zeros(N)
        for t in reversed(range(H)):
            acc = RL[t] + gamma * acc
            G[t] = acc
        adv = G - base
        base += 0.3 * (G - base)
        adv /= adv.std(axis=0, keepdims=True) + 1e-8
        grad = -P
        grad[np.arange(H)[:, None], np.arange(N)[None, :], A] += 1.0  # d log pi(a) / d logits
        W += lr * np.einsum("tn,tnk,tnd->nkd", adv, grad, X) / H
        # Each agent's own dual step on its mean draw against its share.
        lam = np.maximum(0.0, lam + eta * (usage / H - share) / a).astype(np.float32)
        print(f"episode {ep + 1:2d}: return {ret.mean():8.3f} per agent, grid draw "
              f"{usage.sum() / (H * env.capacity):6.3f} x capacity, lambda {lam.mean():.4f}")

    def greedy(o):
        return np.einsum("nkd,nd->nk", W, features(o)).argmax(axis=1)

    def uniform(o):
        return rng.integers(K, size=N)

    rl, dl = evaluate(env, greedy, lam, 0)
    rr, dr = evaluate(env, uniform, lam, 0)
    print(f"evaluation: greedy return {rl:.3f} per agent (draw {dl:.3f} x capacity), "
          f"random {rr:.3f} (draw {dr:.3f} x capacity)")
    env.close()


if __name__ == "__main__":
    main()
