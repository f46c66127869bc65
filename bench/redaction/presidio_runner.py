"""Presidio side of the redaction benchmark.

Reads the benchmark corpus (JSONL of {"format", "record", "labels"}), runs Presidio's
AnalyzerEngine on every text field of the first --records records, and writes one JSON line
per text field with Presidio's findings, plus a final timing line.

No spaCy model can be downloaded on this machine, so the NLP engine is a blank English spaCy
pipeline (tokenizer only): Presidio's pattern recognizers (email, phone, credit card, SSN, IBAN,
IP, URL, date, ...) run as usual, but NER-based entities (PERSON, LOCATION, NRP) cannot fire.
Offsets are converted from code points to UTF-16 units to match the JavaScript side.
"""
import argparse
import json
import sys
import time

import spacy
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import SpacyNlpEngine


def text_fields(fmt, record):
    if fmt == "chat":
        return [m["content"] for m in record["messages"]]
    if fmt == "prompt_completion":
        return [record["prompt"], record["completion"]]
    return [record["text"]]


def utf16_offsets(text):
    if all(ord(c) < 0x10000 for c in text):
        return None
    table = [0]
    for c in text:
        table.append(table[-1] + (2 if ord(c) >= 0x10000 else 1))
    return table


def use_bundled_suffix_list():
    """tldextract (used by Presidio's email/URL recognizers) fetches the public suffix list over the
    network on first use; offline that costs a failed request and a traceback. Use its bundled
    snapshot instead, as an air-gapped deployment would."""
    import tldextract
    import tldextract.tldextract as module

    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    module.TLD_EXTRACTOR = extractor
    tldextract.extract = extractor


def build_analyzer():
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank:en"}])
    nlp_engine.nlp = {"en": spacy.blank("en")}  # set directly: load() would try to download a model
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    use_bundled_suffix_list()
    analyzer = build_analyzer()
    texts = []
    with open(args.corpus, encoding="utf-8") as corpus:
        for i, line in enumerate(corpus):
            if i >= args.records:
                break
            item = json.loads(line)
            texts.extend(text_fields(item["format"], item["record"]))

    analyzer.analyze(text="warm up john@example.com 4111 1111 1111 1111", language="en")
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)
    results = []
    started = time.perf_counter()
    for text in texts:
        results.append(analyzer.analyze(text=text, language="en"))
    elapsed = time.perf_counter() - started

    with open(args.out, "w", encoding="utf-8") as out:
        for text, found in zip(texts, results):
            table = utf16_offsets(text)
            spans = [
                [table[r.start] if table else r.start, table[r.end] if table else r.end, r.entity_type, round(r.score, 3)]
                for r in found
            ]
            out.write(json.dumps(spans) + "\n")
        out.write(json.dumps({"fields": len(texts), "bytes": total_bytes, "seconds": elapsed,
                              "presidio_analyzer": __import__("presidio_analyzer").__version__ if hasattr(__import__("presidio_analyzer"), "__version__") else "unknown",
                              "recognizers": sorted({r.name for r in analyzer.registry.recognizers})}) + "\n")
    print(f"presidio: {len(texts)} fields, {total_bytes / 1e6:.2f} MB in {elapsed:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
