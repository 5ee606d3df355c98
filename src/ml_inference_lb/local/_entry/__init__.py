"""Scripts the local target runs as separate programs, by path (``python <file>``), not as modules.

They import nothing from ``ml_inference_lb`` (whose package imports Pulumi, a second per start), only
the standard library and, for ``replica.py``, the inference server. Each program's folder is put
first on its ``sys.path`` by Python, so this folder holds nothing but these scripts.
"""
