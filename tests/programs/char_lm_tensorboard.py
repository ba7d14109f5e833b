"""A character-level language model (embedding, GRU, linear head) trained with Adam and a step schedule on a
short text, logging loss, learning rate, gradient norm, weight histograms, a greedy sample and its
hyperparameters to TensorBoard; at the end it reads its own event files back with TensorBoard's reader."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

from deterministic import fill_parameters

TEXT = ("to be or not to be that is the question whether tis nobler in the mind to suffer "
        "the slings and arrows of outrageous fortune or to take arms against a sea of troubles ") * 3


class CharLM(nn.Module):
    def __init__(self, vocab, dim=16, hidden=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx, h=None):
        out, h = self.rnn(self.embed(idx), h)
        return self.head(out), h


@torch.no_grad()
def greedy(model, stoi, itos, prompt, n):
    idx = torch.tensor([[stoi[c] for c in prompt]])
    logits, h = model(idx)
    out = prompt
    for _ in range(n):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        out += itos[nxt.item()]
        logits, h = model(nxt, h)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--logdir", default="runs/char_lm")
    args = parser.parse_args()

    chars = sorted(set(TEXT))
    stoi, itos = {c: i for i, c in enumerate(chars)}, dict(enumerate(chars))
    data = torch.tensor([stoi[c] for c in TEXT])
    seq, starts = 24, range(0, 8 * 29, 29)
    x = torch.stack([data[s:s + seq] for s in starts])
    y = torch.stack([data[s + 1:s + seq + 1] for s in starts])

    model = CharLM(len(chars))
    fill_parameters(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    writer = SummaryWriter(args.logdir)
    for step in range(args.steps):
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        writer.add_scalar("train/loss", loss.item(), step)
        writer.add_scalar("train/grad_norm", norm, step)
        writer.add_scalar("train/lr", scheduler.get_last_lr()[0], step)
        scheduler.step()
        if step % 5 == 4:
            writer.add_histogram("embed.weight", model.embed.weight, step)
        print(f"step {step} loss {loss.item():.6f} norm {norm.item():.4f}")
    sample = greedy(model, stoi, itos, "to be ", 12)
    writer.add_text("sample", sample, args.steps)
    writer.add_hparams({"lr": 0.02, "hidden": 32, "cell": "GRU"}, {"hparam/loss": loss.item()}, run_name="hparams")
    writer.close()
    print("sample", repr(sample))

    logged = EventAccumulator(args.logdir)
    logged.Reload()
    losses = logged.Scalars("train/loss")
    print(f"read back {len(losses)} losses, the last {losses[-1].value:.6f} at step {losses[-1].step}")
    print("scalars", sorted(logged.Tags()["scalars"]), "histograms", logged.Tags()["histograms"])


if __name__ == "__main__":
    main()
