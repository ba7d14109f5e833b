"""Sine-wave prediction with a two-layer LSTM trained by L-BFGS in float64.

Each training sequence is a sine wave with its own phase; the model reads it one value at a time and
predicts the next. L-BFGS takes whole-batch steps, re-evaluating the loss through a closure (several
times per step, for its strong-Wolfe line search). After training, the model continues held-out waves
on its own for `--future` values, feeding back its predictions.
"""
import argparse

import torch
import torch.nn as nn

from deterministic import fill_parameters

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=5, help="L-BFGS steps")
parser.add_argument("--hidden", type=int, default=12)
parser.add_argument("--length", type=int, default=24, help="values per training wave")
parser.add_argument("--future", type=int, default=8, help="values predicted past each test wave")
parser.add_argument("--line-search", default="strong_wolfe", choices=["strong_wolfe", "none"])
args = parser.parse_args()


class Sequence(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        n = input.size(0)
        h1 = torch.zeros(n, self.hidden, dtype=torch.double)
        c1 = torch.zeros(n, self.hidden, dtype=torch.double)
        h2 = torch.zeros(n, self.hidden, dtype=torch.double)
        c2 = torch.zeros(n, self.hidden, dtype=torch.double)
        outputs = []
        for value in input.split(1, dim=1):
            h1, c1 = self.lstm1(value, (h1, c1))
            h2, c2 = self.lstm2(h1, (h2, c2))
            output = self.linear(h2)
            outputs.append(output)
        for _ in range(future):  # continue on its own predictions
            h1, c1 = self.lstm1(output, (h1, c1))
            h2, c2 = self.lstm2(h1, (h2, c2))
            output = self.linear(h2)
            outputs.append(output)
        return torch.cat(outputs, dim=1)


def waves(phases, length):
    t = torch.arange(length, dtype=torch.double)
    return torch.sin(t.unsqueeze(0) / 4.0 + torch.tensor(phases, dtype=torch.double).unsqueeze(1))


train = waves([0.3 * i for i in range(6)], args.length)
test = waves([0.15, 1.05], args.length + args.future)
inputs, targets = train[:, :-1], train[:, 1:]
test_inputs, test_targets = test[:, :args.length - 1], test[:, 1:]

model = Sequence(args.hidden).double()
fill_parameters(model)
criterion = nn.MSELoss()
optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=8, history_size=10,
                              line_search_fn=None if args.line_search == "none" else args.line_search)

for step in range(args.steps):
    def closure():
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        return loss
    loss = optimizer.step(closure)
    print(f"step {step} loss {loss.item():.10f}")

with torch.no_grad():
    prediction = model(test_inputs, future=args.future)
    test_loss = criterion(prediction, test_targets)
print(f"test loss {test_loss.item():.10f}")
print("continued", [round(v, 4) for v in prediction[0, -args.future:].tolist()])
state = optimizer.state[optimizer.param_groups[0]["params"][0]]
print("function evaluations", state["func_evals"], "iterations", state["n_iter"])
