"""mytorch.models.SpeechRecognizer: shapes, padding that changes nothing, the hybrid loss written out by hand,
shards' losses that add up to the batch's, SpecAugment only in training, and a few training steps that lower
the loss."""
from __future__ import annotations

import numpy as np

import mytorch
from mytorch.models.speech_recognizer import BLANK, SOS_EOS, SpeechRecognizer, SpeechRecognizerConfig

F = mytorch.nn.functional


def _model(**kw) -> SpeechRecognizer:
    mytorch.manual_seed(0)
    config = dict(vocab_size=12, n_mels=20, d_model=32, n_heads=2, encoder_layers=2, decoder_layers=1, d_ff=64,
                  dropout=0.0, freq_mask=4, time_mask=5)
    config.update(kw)
    return SpeechRecognizer(SpeechRecognizerConfig(**config))


def _batch():
    g = mytorch.Generator().manual_seed(1)
    x = mytorch.randn(3, 60, 20, generator=g)
    lengths = mytorch.tensor([60, 50, 41])
    targets = mytorch.tensor([[2, 3, 4, 5], [6, 7, 0, 0], [8, 0, 0, 0]])
    return x, lengths, targets, mytorch.tensor([4, 2, 1])


def test_shapes_and_padding_invariance():
    model = _model().eval()
    x, lengths, _, _ = _batch()
    tokens = mytorch.tensor([[SOS_EOS, 2, 3], [SOS_EOS, 6, 7], [SOS_EOS, 8, SOS_EOS]])
    log_probs, out_lengths, logits = model(x, lengths, tokens)
    assert tuple(log_probs.shape) == (14, 3, 12) and out_lengths.tolist() == [14, 11, 9]
    assert tuple(logits.shape) == (3, 3, 12)
    # the third utterance alone, without padding, gives the same outputs on its frames
    alone_lp, _, alone_logits = model(x[2:, :41], lengths[2:], tokens[2:])
    np.testing.assert_allclose(alone_lp.detach().numpy()[:, 0], log_probs.detach().numpy()[:9, 2], atol=1e-5)
    np.testing.assert_allclose(alone_logits.detach().numpy()[0], logits.detach().numpy()[2], atol=1e-5)


def test_hybrid_loss_by_hand():
    model = _model(ctc_weight=0.25).eval()
    x, lengths, targets, target_lengths = _batch()
    inputs = mytorch.tensor([[SOS_EOS, 2, 3, 4, 5], [SOS_EOS, 6, 7, 0, 0], [SOS_EOS, 8, 0, 0, 0]])
    outputs = mytorch.tensor([[2, 3, 4, 5, SOS_EOS], [6, 7, SOS_EOS, -100, -100], [8, SOS_EOS, -100, -100, -100]])
    log_probs, out_lengths, logits = model(x, lengths, inputs)
    ctc = F.ctc_loss(log_probs, targets, out_lengths, target_lengths, blank=BLANK, zero_infinity=True)
    att = F.cross_entropy(logits.reshape(-1, 12), outputs.reshape(-1), ignore_index=-100)
    expected = 0.25 * ctc + 0.75 * att
    np.testing.assert_allclose(model.loss(x, lengths, targets, target_lengths).item(), expected.item(), rtol=1e-6)


def test_shards_losses_add_up_to_the_batch_loss():
    """Data parallelism's split (training/asr.py): the batch augmented whole, then shards {0, 2} and {1} with
    whole_batch = (3 utterances, 7 + 3 tokens) give losses, and gradients, that add up to the batch's."""
    model = _model(freq_warp=0.1)
    x, lengths, targets, target_lengths = _batch()
    mytorch.manual_seed(5)
    whole = model.loss(x, lengths, targets, target_lengths)
    whole.backward()
    expected = {name: p.grad.numpy().copy() for name, p in model.named_parameters()}
    model.zero_grad()
    mytorch.manual_seed(5)
    augmented = model.augment(x)
    total = 0.0
    for rows in ([0, 2], [1]):
        index = mytorch.tensor(rows)
        width = int(target_lengths[index].max().item())
        share = model.loss(augmented[index], lengths[index], targets[index][:, :width], target_lengths[index],
                           augment=False, whole_batch=(3, 10))
        share.backward()
        total += share.item()
    np.testing.assert_allclose(total, whole.item(), rtol=1e-6)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), expected[name], rtol=1e-4, atol=1e-6, err_msg=name)


def test_specaugment_only_in_training():
    model = _model()
    x, lengths, targets, target_lengths = _batch()
    model.eval()
    assert model.loss(x, lengths, targets, target_lengths).item() == model.loss(x, lengths, targets,
                                                                                  target_lengths).item()
    model.train()
    assert model.loss(x, lengths, targets, target_lengths).item() != model.loss(x, lengths, targets,
                                                                                  target_lengths).item()


def test_training_lowers_the_loss():
    model = _model()
    x, lengths, targets, target_lengths = _batch()
    optimizer = mytorch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(15):
        loss = model.loss(x, lengths, targets, target_lengths)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0], losses


def test_narrow_subsampling_convolutions():
    model = _model(conv_channels=8).eval()
    assert tuple(model.subsample.conv2.weight.shape) == (8, 8, 3, 3)
    assert tuple(model.subsample.out.weight.shape) == (32, 8 * 4)  # 20 mel bins -> 4 after two stride-2 convs
    x, lengths, targets, target_lengths = _batch()
    assert np.isfinite(model.loss(x, lengths, targets, target_lengths).item())
