"""The course map: every notebook, what it teaches and how long it takes (measured, 2-core CPU)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course."""

    number: str
    file: str
    title: str
    teaches: str
    minutes_cpu: float  # measured wall time of a full run in the cpu profile on a 2-core CPU
    minutes_smoke: float  # the same in the smoke profile (what the tests run)


COURSE: tuple[Chapter, ...] = (
    Chapter(
        "00",
        "00_welcome.ipynb",
        "Welcome and setup check",
        "environment check; supervised vs unsupervised vs self-supervised vs RLHF; the map",
        0.2,
        0.3,
    ),
    Chapter(
        "01",
        "01_preparing_unlabeled_data.ipynb",
        "Preparing unlabeled data",
        "normalising text; exact and near duplicates (MinHash, LSH); quality filters; no leakage",
        0.4,
        0.6,
    ),
    Chapter(
        "02",
        "02_tokenization.ipynb",
        "Tokenization",
        "characters, words, subwords; BPE from scratch; WordPiece; special tokens; image patches",
        0.4,
        0.7,
    ),
    Chapter(
        "03",
        "03_masked_lm_pretraining.ipynb",
        "Masked-language-model pretraining",
        "CBOW; 80/10/10 masking; a small BERT, ModernBERT vs original layout; held-out perplexity; next-token objective",
        5.6,
        0.5,
    ),
    Chapter(
        "04",
        "04_what_pretraining_learned.ipynb",
        "What did pretraining learn?",
        "from_pretrained; fill-mask pipeline; pretrained vs random; nearest neighbours; model card",
        0.4,
        0.3,
    ),
    Chapter(
        "05",
        "05_contrastive_learning.ipynb",
        "Contrastive learning: augmentations are the labels",
        "kornia augmentations as positive pairs; what each teaches to ignore; NT-Xent; temperature",
        0.3,
        0.6,
    ),
    Chapter(
        "06",
        "06_simclr_pretraining.ipynb",
        "SimCLR pretraining",
        "CNN encoder + projection head; kNN monitor; linear probe with 100 labels; PCA / t-SNE",
        3.1,
        1.6,
    ),
    Chapter(
        "07",
        "07_100_labels_text.ipynb",
        "100 labels, text",
        "TF-IDF vs CBOW vs BERT vs a contrastive document encoder, frozen and fine-tuned by SetFit; "
        "overfitting; steps chosen on a holdout; a headline chosen on fresh validation documents; "
        "per-seed multipliers",
        5.2,
        0.6,
    ),
    Chapter(
        "08",
        "08_100_labels_images.ipynb",
        "100 labels, images",
        "SimCLR probe and fine-tuning vs the same CNN from scratch (to convergence) vs pixels; "
        "one selection rule; pre-registered headline; per-seed multipliers",
        5.8,
        1.0,
    ),
    Chapter(
        "09",
        "09_search.ipynb",
        "Search with self-supervised embeddings",
        "SimCSE with the course's NT-Xent; inverse-cloze retrieval vs BM25, TF-IDF, CBOW, MiniLM; "
        "a faiss index, exact vs approximate; a search box; image similarity; SetFit",
        3.0,
        1.0,
    ),
    Chapter(
        "10",
        "10_ship_it.ipynb",
        "Ship it: export, serve, monitor",
        "ONNX and torch.export with parity and latency; a FastAPI service with Prometheus metrics; "
        "a load test; drift monitoring",
        2.2,
        1.0,
    ),
    Chapter(
        "11",
        "11_your_own_data.ipynb",
        "Your own data",
        "the whole path on movie reviews: loading, cleaning thresholds, a tokenizer and CBOW "
        "trained on them, the 100-label curve vs TF-IDF and MiniLM; the commands for your files",
        3.6,
        1.0,
    ),
)


def chapter(number: str) -> Chapter:
    """Return the chapter numbered `number` (e.g. '03')."""
    for item in COURSE:
        if item.number == number:
            return item
    known = ", ".join(c.number for c in COURSE)
    raise KeyError(f"no notebook numbered {number!r}: expected one of {known}")


def markdown_table(link_prefix: str = "notebooks/") -> str:
    """Return the course map as a Markdown table (links relative to the README by default)."""
    rows = ["| # | notebook | what you do | minutes (cpu) |", "|---|---|---|---|"]
    rows += [
        f"| {c.number} | [`{c.file}`]({link_prefix}{c.file}) | **{c.title}**: {c.teaches} "
        f"| {c.minutes_cpu:g} |"
        for c in COURSE
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
