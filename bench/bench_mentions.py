"""Mention detection throughput on a large mixed ru/kk/en text, beside the naive baseline.

The baseline is what one writes first: one compiled case-insensitive regular
expression per lexicon term, form and pattern, each scanned over the whole text
in a loop (no inflection, so it also finds less). Both run on the same text in
the same process; the figures are MB (UTF-8) per second of CPU time, the median
of three runs each. The baseline is slow, hence the modest default size.

Example:
    python bench/bench_mentions.py --mb 8
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.mentions import DEFAULT_LEXICON, MentionDetector  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "mentions" / "corpus.toml"

# Ordinary city news, the bulk of what the crawler reads.
NEWS = {
    "ru": [
        "Аким Алматы провёл совещание по вопросам подготовки городского хозяйства к "
        "отопительному сезону. Особое внимание уделено ремонту теплосетей в Ауэзовском и "
        "Бостандыкском районах, где работы должны завершиться до 15 октября.",
        "В Медеуском районе открылась новая школа на 1200 мест. В здании оборудованы "
        "кабинеты робототехники, спортивный зал и столовая; первыми учениками стали дети "
        "из микрорайонов Алатау и Самал.",
        "Управление пассажирского транспорта сообщает об изменении схемы движения автобусов "
        "№ 32, 45 и 86 в связи с реконструкцией проспекта Абая. Ограничения продлятся до "
        "конца ноября.",
        "В городе продолжается высадка деревьев: с начала осени в скверах и вдоль улиц "
        "посажено более 18 тысяч саженцев карагача, клёна и яблони сорта апорт.",
        "Департамент полиции Алматы напоминает водителям о соблюдении скоростного режима. За "
        "неделю зафиксировано 2 340 нарушений, двое водителей лишены прав.",
        "Акимат выделил 3,2 млрд тенге на капитальный ремонт жилых домов. По программе будут "
        "заменены лифты, кровли и инженерные сети в 140 многоэтажках.",
        "На заседании маслихата депутаты утвердили поправки в бюджет города на 2026 год. "
        "Расходы на здравоохранение увеличены на восемь процентов.",
    ],
    "kk": [
        "Алматы қаласының әкімі қалалық шаруашылықты жылыту маусымына дайындау мәселелері "
        "бойынша кеңес өткізді. Әуезов және Бостандық аудандарындағы жылу желілерін жөндеуге "
        "ерекше назар аударылды.",
        "Медеу ауданында 1200 орындық жаңа мектеп ашылды. Ғимаратта робототехника кабинеттері, "
        "спорт залы және асхана жабдықталған.",
        "Қалада ағаш отырғызу жалғасуда: күз басталғалы саябақтар мен көшелер бойына он сегіз "
        "мыңнан астам көшет отырғызылды.",
        "Алматы полиция департаменті жүргізушілерге жылдамдық режимін сақтауды ескертеді. Бір "
        "аптада екі мыңнан астам құқықбұзушылық тіркелді.",
        "Әкімдік тұрғын үйлерді күрделі жөндеуге 3,2 млрд теңге бөлді. Бағдарлама бойынша 140 "
        "көпқабатты үйде лифтілер мен шатырлар ауыстырылады.",
        "Мәслихат сессиясында депутаттар 2026 жылға арналған қала бюджетіне түзетулерді бекітті. "
        "Денсаулық сақтау шығыстары сегіз пайызға ұлғайды.",
    ],
    "en": [
        "The Almaty akimat held a meeting on preparing the city's utilities for the heating "
        "season, with particular attention to repairs of heating networks in the Auezov and "
        "Bostandyk districts.",
        "A new school for 1,200 pupils opened in the Medeu district, with robotics classrooms, "
        "a sports hall and a canteen.",
        "The public transport department announced changes to bus routes 32, 45 and 86 because "
        "of the reconstruction of Abay Avenue; the restrictions will last until the end of "
        "November.",
        "Tree planting continues across the city: more than 18,000 saplings of elm, maple and "
        "aport apple trees have been planted since the start of autumn.",
        "The city police reminded drivers to respect speed limits after recording 2,340 "
        "violations in one week.",
        "Deputies of the city maslikhat approved amendments to the 2026 budget, raising "
        "healthcare spending by eight percent.",
    ],
}


def build_text(megabytes: float, seed: int = 7) -> str:
    """About ``megabytes`` MB (UTF-8) of paragraphs: 95% city news, 5% about crafts."""
    craft = [p["text"] for p in tomllib.loads(CORPUS.read_text("utf-8"))["paragraph"]]
    news = [p for texts in NEWS.values() for p in texts]
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    target = megabytes * 1_000_000
    while size < target:
        if rng.random() < 0.05:
            paragraph = rng.choice(craft)
        else:
            sentences = rng.choice(news).split(". ")
            rng.shuffle(sentences)
            paragraph = ". ".join(sentences)
        parts.append(paragraph)
        size += len(paragraph.encode("utf-8")) + 1
    return "\n".join(parts)


def baseline_patterns(path: Path = DEFAULT_LEXICON) -> list[re.Pattern[str]]:
    """One case-insensitive regex per term, form and pattern of the lexicon."""
    data = tomllib.loads(path.read_text("utf-8"))
    phrases = []
    for category in ("world_craft_city", "world_crafts_council", "crafts"):
        for term in data[category]["terms"]:
            phrases += [term["term"], *term.get("forms", []), *term.get("patterns", [])]
    compiled = []
    for phrase in phrases:
        words = [re.escape(w).replace(r"\*", r"\w*") for w in re.split(r"[\s\-]+", phrase)]
        compiled.append(re.compile(r"\b" + r"[\s\-–«»\"]+".join(words) + r"\b", re.IGNORECASE))
    return compiled


def run_baseline(patterns: list[re.Pattern[str]], text: str) -> int:
    found = 0
    for pattern in patterns:
        for _ in pattern.finditer(text):
            found += 1
    return found


def measure(function, megabytes: float, runs: int = 3) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(runs):
        # CPU time of this process: one core's throughput, whatever else the machine runs.
        started = time.process_time()
        result = function()
        times.append(time.process_time() - started)
    return megabytes / statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=8.0, help="text size in MB (default 8)")
    args = parser.parse_args(argv)

    text = build_text(args.mb)
    megabytes = len(text.encode("utf-8")) / 1_000_000
    detector = MentionDetector.from_file(DEFAULT_LEXICON)
    detector.find(text)  # warm up: dictionaries loaded, word cache filled, as in a long crawl
    patterns = baseline_patterns()

    ours, found = measure(lambda: len(detector.find(text)), megabytes)
    naive, naive_found = measure(lambda: run_baseline(patterns, text), megabytes)
    print(f"text: {megabytes:.1f} MB, {len(text):,} characters, {len(patterns)} baseline regexes")
    print(f"detector: {ours:8.1f} MB/s  ({found:,} mentions)")
    print(f"baseline: {naive:8.1f} MB/s  ({naive_found:,} matches, no inflection)")
    print(f"ratio:    {ours / naive:8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
