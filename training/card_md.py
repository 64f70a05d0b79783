"""card.md: the human-readable model card, rendered from card.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Published figures from the data README, beside ours in the card.
PUBLISHED = {
    "constraint_val_weighted_f1": "CONSTRAINT test weighted F1: winner 98.69 (CT-BERT ensemble), TF-IDF SVM "
    "baseline ~93.3, a linear SVM placed 80th/167 at 95.19; a plain single-task MiniLM fine-tune of this "
    "backbone reached 0.974–0.977 on val",
    "checkthat1c_dev_harmful_f1": "CheckThat! 2022 1C: hard, low scores; single-task MiniLM fine-tune "
    "reached 0.53–0.56 on dev",
    "olid_offensive_macro_f1": "OLID level A test macro F1: winning BERT entry ~0.83",
    "davidson_offensive_macro_f1": "Davidson et al. report weighted F1 0.90 for their 3-class model",
    "utkml_spam_f1": "Kaggle competition; no published paper figure",
}

LIMITATIONS = """\
- **English only.** The encoder is English MiniLM; Hindi and other languages are not scored meaningfully.
- **COVID-era topic skew.** Nearly all misinformation data is about COVID-19 in 2020–21 (CONSTRAINT,
  CoAID, covid_rumor, NLP4IF, CheckThat!) plus US politics (LIAR). New narratives need reviewer feedback.
- **Style shortcuts.** CONSTRAINT real posts carry URLs far more often than fake ones; CoAID's real
  "claims" are FAQ questions. The URL-stripped figures below measure how much the model leans on URLs.
- **Davidson bias.** Davidson et al.'s offensive labels over-flag African-American English
  (Davidson et al. 2019); `abuse` scores inherit that bias.
- **Harm kinds are tiny.** `cure_claim` has 41 training examples; treat `harm_type` as a hint.
- **SMS spam** trains the spam head on SMS, not tweets.
- **Veracity is not fact-checking.** "misleading" means the text resembles claims fact-checked as false.
  Every removal-grade outcome goes to human review."""


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def render(folder: Path) -> str:
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    lines = [
        f"# Model card: {card['version']}",
        "",
        f"Base model: {card['base_model']}. Created {card['created_at']} from commit "
        f"`{card['training']['git_commit']}` with config `{card['training']['config']['name']}`.",
        "",
        "## Intended use",
        "",
        "Scores tweets for harmlabel's policy engine and review queue: to **select and order content for",
        "human review**, not to act automatically. Probabilities are temperature-calibrated per head.",
        "",
        "## Heads",
        "",
        "| head | labels | temperature | risk threshold |",
        "|---|---|---|---|",
    ]
    for h in card["heads"]:
        lines.append(f"| {h['name']} | {', '.join(h['labels'])} | {h['temperature']} | {h['threshold']} |")
    lines += ["", "## Headline figures (int8 ONNX, measured by `harmlabel evaluate`)", ""]
    for split, data in card.get("metrics", {}).items():
        lines += [
            f"### {split} ({data['examples']} English examples)",
            "",
            "| task | ours | URLs stripped | target | met | n | published |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, t in data["targets"].items():
            stripped = data["targets_urls_stripped"].get(name, {}).get("value", "")
            lines.append(
                f"| {name} | {_fmt(t['value'])} | {_fmt(stripped)} | {t['target']} | "
                f"{'yes' if t['met'] else '**no**'} | {t['n']} | {PUBLISHED.get(name, '')} |"
            )
        lines += ["", "| head | n | macro F1 | weighted F1 | ROC-AUC | ECE before | ECE after |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for head, m in data["heads"].items():
            lines.append(
                f"| {head} | {m['n']} | {_fmt(m['f1_macro'])} | {_fmt(m['f1_weighted'])} | "
                f"{_fmt(m.get('roc_auc', ''))} | {_fmt(m['ece_before'])} | {_fmt(m['ece_after'])} |"
            )
        lines.append("")
    lines += [
        "Per-source precision, recall, F1 and ROC-AUC for every head are in `metrics.json`.",
        "",
        "![reliability](reliability.png)",
        "",
        "![precision-recall](pr_curves.png)",
        "",
        "## Quantization",
        "",
        f"Shipped recipe: `{card['quantization']['chosen']}`. Parity against the fp32 torch model on "
        "validation (argmax agreement ≥ 99% and macro-F1 drop ≤ 0.5 points per head):",
        "",
        "| recipe | head | agreement | F1 fp32 | F1 int8 | p99 prob diff | max prob diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for tried in card["quantization"]["tried"]:
        for head, p in tried["heads"].items():
            lines.append(
                f"| {tried['recipe']} | {head} | {p['argmax_agreement']} | {p['macro_f1_fp32']} | "
                f"{p['macro_f1_int8']} | {p['prob_diff_p99']} | {p['prob_diff_max']} |"
            )
    lines += ["", "## Known limitations", "", LIMITATIONS, "", "## Training data and licenses", ""]
    lines += ["| source | license | citation |", "|---|---|---|"]
    for name, s in card["data"]["sources"].items():
        lines.append(f"| {name} | {s['license']} | {s['citation']} |")
    lines += ["", "Several sources are research-only or non-commercial; check before commercial use.", ""]
    return "\n".join(lines)


def write(folder: Path) -> Path:
    path = folder / "card.md"
    path.write_text(render(folder), encoding="utf-8")
    return path
