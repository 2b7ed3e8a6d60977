"""Profiles: the one place where every size, step count and epoch count of the course is set.

`COURSE_PROFILE` picks one: `smoke` (what the tests run, seconds per notebook), `cpu` (a laptop,
a few minutes per notebook; the committed outputs), `gpu` (bigger models, all the data).
"""

import os
from dataclasses import dataclass, replace

import torch

ENV_VAR = "COURSE_PROFILE"


@dataclass(frozen=True)
class Profile:
    """Sizes for one profile; notebooks read these instead of hard-coding numbers."""

    name: str
    description: str
    # --- data (notebook 01) ---
    corpus_max_docs: int | None  # None = all documents
    crawl_docs: int  # documents in notebook 01's simulated web crawl
    # --- tokenization (notebook 02) ---
    bpe_vocab_size: int
    bpe_train_docs: int
    wordpiece_vocab_size: int
    # --- masked-LM pretraining (notebooks 03-04) ---
    cbow_steps: int
    own_cbow_steps: int  # CBOW on your own texts (notebook 11); early stopping may end it sooner
    mlm_seq_len: int
    mlm_hidden: int
    mlm_layers: int
    mlm_heads: int
    mlm_batch_size: int
    mlm_steps: int
    mlm_lr: float
    mlm_warmup_steps: int  # learning-rate warm-up (at most a third of the run)
    mlm_mask_prob: float
    gpt_steps: int  # next-token run of notebook 03 (the BERT's width, depth, heads and lr)
    gpt_batch_size: int
    gpt_warmup_steps: int
    gpt_eval_blocks: int  # held-out blocks scored by the next-token run (and its unigram baseline)
    gpt_min_gain: float  # nats below its unigram baseline the next-token run must end
    probe_sentences: int
    # --- contrastive / SimCLR (notebooks 05-06) ---
    contrastive_demo_images: int  # images in the pixel-space pairing check of notebook 05
    simclr_train_images: int | None  # None = all training images
    simclr_batch_size: int
    simclr_epochs: float  # passes over the training images (a fraction is fine)
    simclr_lr: float
    simclr_temperature: float
    simclr_monitor_images: int  # labeled validation images for the kNN monitor (measure only)
    simclr_monitor_evals: int  # how many times the kNN monitor runs during pretraining
    simclr_ablation_steps: int  # steps of each short run in notebook 06's augmentation ablation
    simclr_ablation_batch_size: int
    simclr_probe_seeds: int  # seeds of the 100-label sample for the linear probe
    simclr_readout_images: int  # labeled val images on which the probe's read-out is chosen
    simclr_readout_seeds: int  # 100-label samples per read-out in that choice
    tsne_points: int  # test images drawn in the PCA / t-SNE plots
    # --- 100 labels (notebooks 07-08) ---
    label_counts: tuple[int, ...]
    label_seeds: int
    finetune_epochs: int  # passes over the labeled images in the fine-tuning recipe (notebook 08)
    text_test_size: int | None  # None = the whole held-out test set
    image_test_size: int | None
    # --- notebook 08 ---
    image_batch_size: int  # labeled images per step when fine-tuning or training from scratch
    image_max_labels: int  # every image curve stops here (label_counts beyond it skipped)
    image_cnn_max_labels: int  # the CNN methods' curves stop here (the probes go on: cheap)
    image_finetune_max_labels: int  # fine-tuning's curve stops here (not the headline method)
    image_min_steps: int  # floor on the steps of one run (tiny label sets still get trained)
    image_scratch_lr: float  # the scratch baseline (head and encoder)
    image_finetune_lr: float  # the new linear head on the pretrained encoder
    image_finetune_encoder_lr: float  # the pretrained encoder: lower, to keep what it learned
    image_overfit_steps: int  # the run without early stopping that shows overfitting
    # --- notebook 07 ---
    text_max_tokens: int  # tokens per document fed to the bag-of-vectors and BERT classifiers
    text_finetune_epochs: int  # passes over the labeled documents in the one recipe (no cap)
    text_min_steps: int  # floor on one fine-tuning run's steps (tiny label sets still train)
    text_overfit_steps: int  # steps of the constant-rate run that shows overfitting
    text_bert_label_counts: tuple[int, ...]  # label counts where the BERTs are fine-tuned
    text_minilm_max_labels: int  # MiniLM is measured up to this many labels (its features cost)
    text_setfit_label_counts: tuple[int, ...]  # SetFit's runs in 07 (each fine-tunes an encoder)
    text_finetune_max_labels: int  # notebook 07 fine-tunes CBOW's bag up to this many labels
    text_max_labels: (
        int  # the text curves stop at this many labels (label_counts beyond it skipped)
    )


SMOKE = Profile(
    name="smoke",
    description="the tests: tiny data and a few steps, seconds per notebook",
    corpus_max_docs=800,
    crawl_docs=300,
    bpe_vocab_size=400,
    bpe_train_docs=100,
    wordpiece_vocab_size=2000,
    cbow_steps=10,
    own_cbow_steps=20,
    mlm_seq_len=64,
    mlm_hidden=64,
    mlm_layers=1,
    mlm_heads=2,
    mlm_batch_size=16,
    mlm_steps=20,
    mlm_lr=3e-3,
    mlm_warmup_steps=2,
    mlm_mask_prob=0.3,
    gpt_steps=160,
    gpt_batch_size=16,
    gpt_warmup_steps=15,
    gpt_eval_blocks=64,
    gpt_min_gain=0.1,
    probe_sentences=50,
    contrastive_demo_images=256,
    simclr_train_images=2048,
    simclr_batch_size=64,
    simclr_epochs=0.25,
    simclr_lr=2e-3,
    simclr_temperature=0.5,
    simclr_monitor_images=300,
    simclr_monitor_evals=2,
    simclr_ablation_steps=4,
    simclr_ablation_batch_size=32,
    simclr_probe_seeds=1,
    simclr_readout_images=500,
    simclr_readout_seeds=1,
    tsne_points=200,
    label_counts=(10, 100),
    label_seeds=1,
    finetune_epochs=2,
    text_test_size=300,
    image_test_size=1000,
    # --- notebook 08 ---
    image_batch_size=16,
    image_max_labels=100,
    image_cnn_max_labels=100,
    image_finetune_max_labels=100,
    image_min_steps=4,
    image_scratch_lr=3e-3,
    image_finetune_lr=3e-3,
    image_finetune_encoder_lr=3e-4,
    image_overfit_steps=12,
    # --- notebook 07 ---
    text_max_tokens=64,
    text_finetune_epochs=2,
    text_min_steps=20,
    text_overfit_steps=300,
    text_bert_label_counts=(100,),
    text_minilm_max_labels=100,
    text_setfit_label_counts=(100,),
    text_finetune_max_labels=100,
    text_max_labels=100,
)

CPU = Profile(
    name="cpu",
    description="a laptop CPU, a few minutes per notebook; the committed outputs",
    corpus_max_docs=None,
    crawl_docs=3000,
    bpe_vocab_size=1000,
    bpe_train_docs=1000,
    wordpiece_vocab_size=8000,
    cbow_steps=150,
    own_cbow_steps=600,
    mlm_seq_len=128,
    mlm_hidden=128,
    mlm_layers=2,
    mlm_heads=2,
    mlm_batch_size=32,
    mlm_steps=600,
    mlm_lr=3e-3,
    mlm_warmup_steps=200,
    mlm_mask_prob=0.3,
    gpt_steps=400,  # held-out gain over unigram, seeds 0-2: 200 steps 0.24, 0.66; 400: 0.69, 1.03, 0.99
    gpt_batch_size=16,
    gpt_warmup_steps=20,
    gpt_eval_blocks=128,
    gpt_min_gain=0.5,
    probe_sentences=500,
    contrastive_demo_images=1024,
    simclr_train_images=None,
    simclr_batch_size=256,
    simclr_epochs=3.0,  # chosen on val: 2 epochs probe +0.034 over random, 3 epochs +0.040
    simclr_lr=2e-3,
    simclr_temperature=0.5,
    simclr_monitor_images=2000,
    simclr_monitor_evals=6,
    simclr_ablation_steps=20,
    simclr_ablation_batch_size=128,
    simclr_probe_seeds=3,
    simclr_readout_images=5000,
    simclr_readout_seeds=10,
    tsne_points=1500,
    label_counts=(10, 30, 100, 300, 1000, 3000),
    label_seeds=3,
    finetune_epochs=40,
    text_test_size=None,
    image_test_size=None,
    # --- notebook 08 ---
    image_batch_size=32,
    image_max_labels=1000,  # the probes at 3,000 cost 2+ min and move no multiplier
    image_cnn_max_labels=1000,
    image_finetune_max_labels=300,
    image_min_steps=150,
    image_scratch_lr=1e-3,
    image_finetune_lr=3e-3,
    image_finetune_encoder_lr=3e-4,
    image_overfit_steps=150,
    # --- notebook 07 ---
    text_max_tokens=256,
    text_finetune_epochs=30,
    text_min_steps=100,
    text_overfit_steps=300,
    text_bert_label_counts=(100,),
    text_minilm_max_labels=100,
    text_setfit_label_counts=(100,),  # ~20 s a run (3 seeds a count): where the multiplier is read
    text_finetune_max_labels=300,  # as image_finetune_max_labels: the 1,000-label runs cost a minute
    text_max_labels=1000,
)

GPU = replace(
    CPU,
    name="gpu",
    description="one CUDA GPU: bigger models, longer training, all the data",
    mlm_hidden=256,
    mlm_layers=4,
    mlm_heads=4,
    mlm_batch_size=128,
    mlm_steps=20000,
    gpt_steps=3000,
    simclr_batch_size=512,
    simclr_epochs=100,
    label_counts=(10, 30, 100, 300, 1000, 3000, 10000),
    image_max_labels=10000,
    text_setfit_label_counts=(10, 30, 100, 300, 1000),
    text_finetune_max_labels=3000,
    label_seeds=5,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (SMOKE, CPU, GPU)}


def default_profile_name() -> str:
    """Return 'gpu' when CUDA is present, else 'cpu'."""
    return "gpu" if torch.cuda.is_available() else "cpu"


def get_profile(name: str | None = None) -> Profile:
    """Return the profile named `name`, else `$COURSE_PROFILE`, else the default for this machine."""
    chosen = name or os.environ.get(ENV_VAR) or default_profile_name()
    key = chosen.strip().lower()
    if key not in PROFILES:
        raise ValueError(
            f"unknown profile {chosen!r}: expected one of {', '.join(sorted(PROFILES))} "
            f"(set {ENV_VAR} or pass name=...)"
        )
    return PROFILES[key]
