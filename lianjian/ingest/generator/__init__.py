"""`lianjian generate`: realistic synthetic data in the data contract, with its ground truth.

``writer.generate(GeneratorConfig(cases=N, seed=S), Path(FILE))`` writes the reference records
(``org.py``) and then the cases (``cases.py``, ``timeline.py``), injecting the risk situations of
DATA_CONTRACT.md §3 and benign look-alikes (``situations.py``); the ground truth goes to
``FILE.truth.jsonl``. See docs/how-to/generate.md.
"""
