"""custom_ops with a planted bug: the weight gradient of the linear layer is averaged over the
batch instead of summed. ``gradkit check custom_ops_buggy`` must fail, and say so."""

from custom_ops_buggy.linear import LinearFunction

__all__ = ["LinearFunction"]
