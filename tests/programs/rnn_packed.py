"""A sequence classifier over variable-length sequences, the PyTorch way: pad_sequence, then
pack_padded_sequence (unsorted lengths, enforce_sorted=False) into a bidirectional two-layer LSTM, its final
hidden states of both directions classified, and pad_packed_sequence for a mean of the outputs over each
sequence's own steps; Adam, gradient clipping."""
import argparse

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from deterministic import fill_parameters, wave


class PackedClassifier(nn.Module):
    def __init__(self, features=3, hidden=10, classes=3):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(4 * hidden, classes)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        out, (h, _) = self.lstm(packed)
        out, out_lengths = pad_packed_sequence(out, batch_first=True)
        mean = out.sum(1) / out_lengths.unsqueeze(1).to(out.dtype)
        last = torch.cat([h[-2], h[-1]], dim=1)  # the top layer's forward and backward final states
        return self.fc(torch.cat([last, mean], dim=1))


def make_data(count=24):
    """Sequence i: length 2 + (5 i mod 7), a sine whose frequency says its class, plus a small wave."""
    labels = torch.arange(count) % 3
    sequences = []
    for i in range(count):
        steps = torch.arange(2 + (5 * i) % 7, dtype=torch.float32).unsqueeze(1)
        signal = torch.sin(steps * (labels[i] + 1) * 0.9 + torch.arange(3) * 0.5)
        sequences.append(signal + 0.1 * wave(len(steps), 3, phase=i))
    return sequences, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    sequences, labels = make_data()
    model = PackedClassifier()
    fill_parameters(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    loss_fn = nn.CrossEntropyLoss()
    step = 0
    for epoch in range(args.epochs):
        for start in range(0, len(sequences), 8):
            batch = sequences[start:start + 8]
            lengths = torch.tensor([len(s) for s in batch])
            logits = model(pad_sequence(batch, batch_first=True), lengths)
            loss = loss_fn(logits, labels[start:start + 8])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            print(f"step {step} loss {loss.item():.6f}")
            step += 1
        with torch.no_grad():
            lengths = torch.tensor([len(s) for s in sequences])
            accuracy = (model(pad_sequence(sequences, batch_first=True), lengths).argmax(1) == labels).float().mean()
        print(f"epoch {epoch} accuracy {accuracy.item():.4f}")


if __name__ == "__main__":
    main()
