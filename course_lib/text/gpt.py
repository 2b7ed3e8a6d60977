"""Next-token (GPT-style) pretraining of a small causal model: model, loss, baseline, sampling."""

from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerBase

from course_lib.core.profiles import Profile
from course_lib.core.training import pretraining_config, train
from course_lib.core.validate import bad_input, check_int, check_number
from course_lib.text.lm_data import heldout_mean_loss, unigram_baseline
from course_lib.text.masking import check_ids


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
    vocab_size = check_int(vocab_size, "vocab_size", 2, "pass len(tokenizer)")
    for name, value in (("hidden", hidden), ("layers", layers), ("heads", heads)):
        check_int(value, name, 1)
    check_int(seq_len, "seq_len", 2, "a block needs 2 or more tokens to predict one")
    if hidden % heads:
        fix = f"pick heads among the divisors of hidden: {[d for d in range(1, hidden + 1) if not hidden % d]}"
        raise bad_input(
            "heads",
            f"a divisor of hidden ({hidden}): hidden must be divisible by heads",
            heads,
            fix,
        )
    for name, value in (("bos_token_id", bos_token_id), ("eos_token_id", eos_token_id)):
        if value is not None and not (isinstance(value, int) and 0 <= value < vocab_size):
            raise bad_input(
                name,
                f"None or an id in 0..{vocab_size - 1}",
                value,
                "use the ids of the model's tokenizer",
            )
    torch.manual_seed(check_int(seed, "seed", 0))
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


def check_blocks(
    blocks: torch.Tensor, name: str, vocab_size: int, max_len: int | None = None
) -> torch.Tensor:
    """Return `blocks` if it is a (n_blocks, length >= 2) torch.long tensor of ids in the
    vocabulary, no longer than `max_len` (the model's positions)."""
    check_ids(blocks, vocab_size, name)
    if blocks.ndim != 2 or blocks.shape[1] < 2:
        fix = "stack token blocks (text.lm_data.pack_blocks); one block: blocks[None]"
        raise bad_input(name, "blocks shaped (n_blocks, length >= 2)", blocks, fix)
    if max_len is not None and blocks.shape[1] > max_len:
        fix = "cut blocks to the model's n_positions (or build it with a larger seq_len)"
        raise bad_input(name, f"blocks of at most {max_len} tokens", blocks, fix)
    return blocks


def check_gpt(model: object) -> GPT2LMHeadModel:
    """Return `model` if it is a GPT2LMHeadModel (what build_gpt returns)."""
    if not isinstance(model, GPT2LMHeadModel):
        raise bad_input("model", "a GPT2LMHeadModel", model, "build one with build_gpt")
    return model


def next_token_loss(model: GPT2LMHeadModel, batch: torch.Tensor) -> torch.Tensor:
    """Cross-entropy (nats) of predicting every token of `batch` (blocks of ids) from those before it."""
    config = check_gpt(model).config
    check_blocks(batch, "batch", config.vocab_size, config.n_positions)
    logits = model(input_ids=batch).logits[:, :-1]
    return F.cross_entropy(logits.float().flatten(0, 1), batch[:, 1:].flatten())


def heldout_next_token_loss(
    model: GPT2LMHeadModel, blocks: torch.Tensor, batch_size: int = 64
) -> float:
    """Mean next-token loss (nats per predicted token) on held-out blocks."""
    check_blocks(blocks, "blocks", check_gpt(model).config.vocab_size, model.config.n_positions)
    batch_size = check_int(batch_size, "batch_size", 1)
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
    vocab_size = check_int(vocab_size, "vocab_size", 2, "pass len(tokenizer)")
    check_blocks(train_blocks, "train_blocks", vocab_size)
    check_blocks(heldout_blocks, "heldout_blocks", vocab_size)
    return unigram_baseline(train_blocks[:, 1:], heldout_blocks[:, 1:], vocab_size)


def pretrain_gpt(
    profile: Profile,
    run_dir: str | Path,
    tokenizer: PreTrainedTokenizerBase,
    data: dict,
    steps: int | None = None,
    seed: int = 0,
    live_plot: bool = True,
) -> tuple[GPT2LMHeadModel, dict]:
    """Pretrain the profile's GPT on `data['train']` with the course's training loop; return (model, history)."""
    if not isinstance(data, dict) or not {"train", "heldout"} <= set(data):
        fix = "pass text.lm_data.prepare_data's result: {'train': blocks, 'heldout': blocks}"
        raise bad_input("data", "a dict with 'train' and 'heldout' blocks", data, fix)
    if steps is not None:
        check_int(steps, "steps", 1, "pass a positive number of steps, or None for the profile's")
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

    def evaluate(m: GPT2LMHeadModel) -> dict[str, float]:
        return {"heldout_next_token_loss": heldout_next_token_loss(m, heldout)}

    history = train(model, loader, next_token_loss, config, eval_fn=evaluate)
    return model, history


@torch.no_grad()
def generate(
    model: GPT2LMHeadModel,
    tokenizer: PreTrainedTokenizerBase,
    prompt: str,
    new_tokens: int = 25,
    seed: int = 0,
    temperature: float = 0.8,
    top_k: int = 40,
) -> str:
    """Continue `prompt` by sampling `new_tokens` tokens (top-k, fixed seed); return the text."""
    check_gpt(model)
    if not isinstance(prompt, str):
        raise bad_input("prompt", "a str", prompt, "pass the start of a sentence as text")
    new_tokens = check_int(new_tokens, "new_tokens", 1, "ask for 1 or more new tokens")
    fix = "sample with a temperature > 0 (lower: more predictable), e.g. 0.8"
    temperature = check_number(temperature, "temperature", 0, open_low=True, fix=fix)
    top_k, seed = check_int(top_k, "top_k", 1), check_int(seed, "seed", 0)
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
