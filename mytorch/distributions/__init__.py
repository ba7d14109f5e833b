"""``mytorch.distributions``: probability distributions with PyTorch's interface (sample, rsample,
log_prob, entropy, mean, variance, kl_divergence), built on mytorch's ops so log-probabilities and
reparametrized samples are differentiable."""
from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = ["Distribution", "Bernoulli", "Categorical", "Exponential", "Independent", "Normal", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
