"""A word-level language model, LSTM or Transformer (`--model`), trained with truncated backprop
through time, gradient clipping and plain SGD written as `p.data.add_`; the best model is saved whole
(torch.save(model)) and loaded back (torch.load(weights_only=False)) for the final evaluation."""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from deterministic import fill_parameters

TEXT = ("the cat sat on the mat and the dog sat on the log while the bird sang in the tree "
        "a cat and a dog met a bird on the mat near the tree and the log ") * 6


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.decoder.weight = self.encoder.weight  # tied input and output embeddings
        self.nlayers, self.nhid = nlayers, nhid

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.encoder(input), hidden)
        return F.log_softmax(self.decoder(output), dim=-1), hidden


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1).float()
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:x.size(0)]


class TransformerModel(nn.Module):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers):
        super().__init__()
        self.pos_encoder = PositionalEncoding(ninp)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout=0.0)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.decoder = nn.Linear(ninp, ntoken)
        self.ninp = ninp

    def forward(self, src, hidden=None):
        mask = nn.Transformer.generate_square_subsequent_mask(len(src))
        src = self.pos_encoder(self.encoder(src) * math.sqrt(self.ninp))
        return F.log_softmax(self.decoder(self.transformer_encoder(src, mask)), dim=-1), hidden


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data[:nbatch * bsz].view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["LSTM", "Transformer"], default="LSTM")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=5.0)
    parser.add_argument("--bptt", type=int, default=8)
    parser.add_argument("--save", default="word_lm_best.pt")
    args = parser.parse_args()

    words = TEXT.split()
    vocab = {w: i for i, w in enumerate(dict.fromkeys(words))}
    ids = torch.tensor([vocab[w] for w in words], dtype=torch.int64)
    split = int(len(ids) * 0.8)
    train_data, val_data = batchify(ids[:split], 4), batchify(ids[split:], 2)
    ntokens = len(vocab)
    if args.model == "LSTM":
        model = RNNModel(ntokens, 16, 16, 2)
    else:
        model = TransformerModel(ntokens, 16, 2, 32, 2)
    fill_parameters(model)
    criterion = nn.NLLLoss()

    def evaluate(data):
        model.eval()
        total = 0.0
        hidden = model.init_hidden(2) if args.model == "LSTM" else None
        with torch.no_grad():
            for i in range(0, data.size(0) - 1, args.bptt):
                x, y = get_batch(data, i, args.bptt)
                output, hidden = model(x, hidden)
                total += len(x) * criterion(output.view(-1, ntokens), y).item()
        return total / (len(data) - 1)

    best = None
    step = 0
    for epoch in range(args.epochs):
        model.train()
        hidden = model.init_hidden(4) if args.model == "LSTM" else None
        for i in range(0, train_data.size(0) - 1, args.bptt):
            x, y = get_batch(train_data, i, args.bptt)
            model.zero_grad()
            if hidden is not None:
                hidden = repackage_hidden(hidden)
            output, hidden = model(x, hidden)
            loss = criterion(output.view(-1, ntokens), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-args.lr)
            print(f"step {step} loss {loss.item():.6f}")
            step += 1
        val_loss = evaluate(val_data)
        print(f"epoch {epoch} valid loss {val_loss:.6f} ppl {math.exp(val_loss):.3f}")
        if best is None or val_loss < best:
            best = val_loss
            with open(args.save, "wb") as f:
                torch.save(model, f)  # the whole model, pickled
    with open(args.save, "rb") as f:
        model = torch.load(f, weights_only=False)  # a trusted file: our own model class
    if args.model == "LSTM":
        model.rnn.flatten_parameters()
        print("tied weights still tied:", model.decoder.weight is model.encoder.weight)
    print(f"reloaded {type(model).__name__}: best valid loss {evaluate(val_data):.6f}")


if __name__ == "__main__":
    main()
