"""REINFORCE (pytorch/examples' reinforcement_learning, on a tiny corridor instead of CartPole): a policy
network picks left or right; reaching the right end pays 1, each step costs 0.05. Actions come from Categorical(probs); with
--fixed-noise they are drawn by inverting the CDF at uniform numbers computed by formula, so both frameworks take
the same actions. Returns are discounted and normalised with float32's eps, as the example does."""
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

from deterministic import fill_parameters

parser = argparse.ArgumentParser()
parser.add_argument("--gamma", type=float, default=0.9)
parser.add_argument("--episodes", type=int, default=8)
parser.add_argument("--length", type=int, default=5, help="corridor cells")
parser.add_argument("--fixed-noise", action="store_true")
args = parser.parse_args()
eps = np.finfo(np.float32).eps.item()


class Policy(nn.Module):
    def __init__(self, cells):
        super().__init__()
        self.affine1 = nn.Linear(cells, 16)
        self.dropout = nn.Dropout(p=0.0)
        self.affine2 = nn.Linear(16, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.dropout(self.affine1(x)))
        return F.softmax(self.affine2(x), dim=1)


policy = Policy(args.length)
fill_parameters(policy)
optimizer = optim.Adam(policy.parameters(), lr=1e-2)
draws = 0


def select_action(cell):
    global draws
    state = F.one_hot(torch.tensor([cell]), args.length).float()
    probs = policy(state)
    m = Categorical(probs)
    if args.fixed_noise:
        draws += 1
        u = (math.sin(draws * 12.9898) * 43758.5453) % 1.0
        action = (probs.detach().cumsum(1) < u).sum(1).clamp(max=1)
    else:
        action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item(), m.entropy().item()


def finish_episode():
    R, returns = 0, []
    for r in policy.rewards[::-1]:
        R = r + args.gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_loss = [-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns)]
    optimizer.zero_grad()
    loss = torch.cat(policy_loss).sum()
    loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return loss.item()


for episode in range(args.episodes):
    cell, entropy = 0, 0.0
    for t in range(3 * args.length):
        action, entropy = select_action(cell)
        cell = min(max(cell + (1 if action else -1), 0), args.length - 1)
        policy.rewards.append(1.0 if cell == args.length - 1 else -0.05)  # each step costs a little
        if cell == args.length - 1:
            break
    n = len(policy.rewards)
    if n < 2:  # one reward has no spread to normalise
        policy.rewards.append(0.0)
        policy.saved_log_probs.append(policy.saved_log_probs[-1])
    loss = finish_episode()
    print(f"episode {episode} length {n} objective {loss:.6f} entropy {entropy:.6f}")
