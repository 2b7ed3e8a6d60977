"""Next-token (GPT-style) pretraining of a small causal model: model, loss, baseline, sampling."""

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers import GPT2Config, GPT2LMHeadModel

from course_lib.core.training import pretraining_config, train
from course_lib.text.lm_data import heldout_mean_loss, unigram_baseline


def build_gpt(
    vocab_size: int,
    hidden: int,
    layers: int,
    heads: int,
    seq_len: int,
    bos_token_id: int | None = None,
    eos_token_id: int | None = None,
    seed: int = 0,
) -> GPT2LMHeadModel:
    """Return a randomly initialised small GPT-2 (pre-LayerNorm, causal, no dropout; seeded)."""
    if hidden % heads:
        raise ValueError(f"hidden ({hidden}) must be divisible by heads ({heads})")
    torch.manual_seed(seed)
    return GPT2LMHeadModel(
        GPT2Config(
            vocab_size=vocab_size,
            n_positions=seq_len,
            n_embd=hidden,
            n_layer=layers,
            n_head=heads,
            resid_pdrop=0.0,  # a short run on plenty of text: nothing to regularise
            embd_pdrop=0.0,
            attn_pdrop=0.0,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
        )
    )


def next_token_loss(model: GPT2LMHeadModel, batch: torch.Tensor) -> torch.Tensor:
    """Cross-entropy (nats) of predicting every token of `batch` (blocks of ids) from those before it."""
    logits = model(input_ids=batch).logits[:, :-1]
    return F.cross_entropy(logits.float().flatten(0, 1), batch[:, 1:].flatten())


def heldout_next_token_loss(
    model: GPT2LMHeadModel, blocks: torch.Tensor, batch_size: int = 64
) -> float:
    """Mean next-token loss (nats per predicted token) on held-out blocks."""
    device = next(model.parameters()).device
    chunks = (blocks[i : i + batch_size].to(device) for i in range(0, len(blocks), batch_size))
    return heldout_mean_loss(model, ((b, b[:, 1:].numel()) for b in chunks), next_token_loss)


def next_token_unigram_baseline(
    train_blocks: torch.Tensor, heldout_blocks: torch.Tensor, vocab_size: int
) -> float:
    """Loss (nats) of predicting every next token by its training frequency, ignoring the context.

    Frequencies are counted over the training *targets* (every token but the first of a block, so
    the [CLS] that only starts blocks gets no probability); add-one smoothed; scored on the
    held-out targets `heldout_blocks[:, 1:]`, the positions `next_token_loss` scores.
    """
    return unigram_baseline(train_blocks[:, 1:], heldout_blocks[:, 1:], vocab_size)


def pretrain_gpt(
    profile,
    run_dir,
    tokenizer,
    data: dict,
    steps: int | None = None,
    seed: int = 0,
    live_plot: bool = True,
) -> tuple[GPT2LMHeadModel, dict]:
    """Pretrain the profile's GPT on `data['train']` with the course's training loop; return (model, history)."""

    steps = steps or profile.gpt_steps
    model = build_gpt(
        len(tokenizer),
        profile.mlm_hidden,
        profile.mlm_layers,
        profile.mlm_heads,
        profile.mlm_seq_len,
        tokenizer.cls_token_id,
        tokenizer.sep_token_id,
        seed,
    )
    loader = DataLoader(
        data["train"], batch_size=profile.gpt_batch_size, shuffle=True, drop_last=True
    )
    config = pretraining_config(
        run_dir,
        steps,
        profile.mlm_lr,
        profile.gpt_warmup_steps,
        2,
        seed,
        live_plot,
        {"profile": profile.name, "objective": "next token"},
    )  # held-out loss halfway and at the end
    heldout = data["heldout"][: profile.gpt_eval_blocks]

    def evaluate(m) -> dict[str, float]:
        return {"heldout_next_token_loss": heldout_next_token_loss(m, heldout)}

    history = train(model, loader, next_token_loss, config, eval_fn=evaluate)
    return model, history


@torch.no_grad()
def generate(
    model: GPT2LMHeadModel,
    tokenizer,
    prompt: str,
    new_tokens: int = 25,
    seed: int = 0,
    temperature: float = 0.8,
    top_k: int = 40,
) -> str:
    """Continue `prompt` by sampling `new_tokens` tokens (top-k, fixed seed); return the text."""
    if new_tokens < 1:
        raise ValueError(f"new_tokens must be at least 1, got {new_tokens}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    ids = [tokenizer.cls_token_id] + tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([ids], device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    limit = model.config.n_positions
    for _ in range(new_tokens):
        logits = model(input_ids=ids[:, -limit:]).logits[0, -1].float() / temperature
        top = logits.topk(min(top_k, logits.numel()))
        choice = torch.multinomial(top.values.softmax(-1), 1, generator=generator)
        ids = torch.cat([ids, top.indices[choice].view(1, 1)], dim=1)
    model.train(was_training)
    return tokenizer.decode(ids[0], skip_special_tokens=True)
