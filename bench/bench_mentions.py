"""Mention detection throughput on a large mixed ru/kk/en/uz text, beside a regex baseline.

The baseline is the usual fast first attempt: one compiled case-insensitive
regular expression, an alternation of every term, form and pattern of the
lexicon (longest first, words joined by spaces, hyphens or quotes), scanned
once over the text. It knows no inflection, context or exclusion, so it finds
less and more at once; it is here to show what the detector's one
Aho–Corasick pass plus word matching costs against it. Both run on the same
text in the same process; the figures are MB (UTF-8) per second of CPU time,
the median of five runs each (``--runs``).

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

from crawler.text.mentions import DEFAULT_LEXICON, MentionDetector  # noqa: E402

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
    "uz": [
        "Toshkent shahar hokimligida isitish mavsumiga tayyorgarlik masalalari bo‘yicha "
        "yig‘ilish bo‘lib o‘tdi. Chilonzor va Yunusobod tumanlarida issiqlik tarmoqlarini "
        "ta’mirlash ishlariga alohida e’tibor qaratildi.",
        "Mirzo Ulug‘bek tumanida 1200 o‘rinli yangi maktab ochildi. Binoda robototexnika "
        "xonalari, sport zali va oshxona jihozlangan.",
        "Шаҳар йўл ҳаракати хавфсизлиги бошқармаси ҳайдовчиларни тезликни оширмасликка "
        "чақирди. Бир ҳафтада икки мингдан ортиқ қоидабузарлик қайд этилди.",
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


def baseline_pattern(path: Path = DEFAULT_LEXICON) -> re.Pattern[str]:
    """One case-insensitive alternation of every term, form and pattern of the lexicon."""
    data = tomllib.loads(path.read_text("utf-8"))
    phrases = set()
    for category in ("world_craft_city", "world_crafts_council", "crafts"):
        for term in data[category]["terms"]:
            phrases.update([term["term"], *term.get("forms", []), *term.get("patterns", [])])
    alternatives = []
    for phrase in sorted(phrases, key=len, reverse=True):
        words = [re.escape(w).replace(r"\*", r"\w*") for w in re.split(r"[\s\-]+", phrase)]
        alternatives.append(r"[\s\-–«»\"]+".join(words))
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def run_baseline(pattern: re.Pattern[str], text: str) -> int:
    return sum(1 for _ in pattern.finditer(text))


def measure(function, megabytes: float, runs: int) -> tuple[float, int, list[float]]:
    """(MB/s of the median run, the function's result, MB/s of every run)."""
    times, result = [], 0
    for _ in range(runs):
        # CPU time of this process: one core's throughput, whatever else the machine runs.
        started = time.process_time()
        result = function()
        times.append(time.process_time() - started)
    return megabytes / statistics.median(times), result, [megabytes / t for t in times]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=8.0, help="text size in MB (default 8)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    args = parser.parse_args(argv)

    text = build_text(args.mb)
    megabytes = len(text.encode("utf-8")) / 1_000_000
    detector = MentionDetector.from_file(DEFAULT_LEXICON)
    detector.find(text)  # warm up: dictionaries loaded, word cache filled, as in a long crawl
    pattern = baseline_pattern()

    ours, found, our_runs = measure(lambda: len(detector.find(text)), megabytes, args.runs)
    regex, regex_found, regex_runs = measure(
        lambda: run_baseline(pattern, text), megabytes, args.runs
    )
    print(f"text: {megabytes:.1f} MB, {len(text):,} characters; median of {args.runs} runs")
    print(f"detector: {ours:8.1f} MB/s  ({found:,} mentions)  runs: {_runs(our_runs)}")
    print(
        f"baseline: {regex:8.1f} MB/s  ({regex_found:,} matches, one re alternation of "
        f"{len(pattern.pattern):,} characters, no inflection)  runs: {_runs(regex_runs)}"
    )
    print(f"ratio:    {ours / regex:8.1f}x")
    return 0


def _runs(figures: list[float]) -> str:
    return " ".join(f"{f:.1f}" for f in figures)


if __name__ == "__main__":
    sys.exit(main())
