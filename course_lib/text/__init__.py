"""The text track: tokenizers, masking, CBOW and masked-LM pretraining, few-label text classification."""
