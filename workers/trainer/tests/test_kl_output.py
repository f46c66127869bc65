"""llama-perplexity's --kl-divergence output as the evaluate recipe reads it (no model needed)."""
import pytest

from refinery_trainer import llama_cpp
from refinery_trainer.recipes.evaluate import parse_kl_output

HEADER = "chunk             PPL               ln(PPL(Q)/PPL(base))          KL Divergence              Δp RMS            Same top p\n"


def test_reads_the_last_running_line_when_an_uncertainty_is_nan():
    # Two chunks of identical predictions: llama.cpp prints "-nan" for the ratio's uncertainty.
    text = (HEADER
            + "   1       4.0556 ±    0.9693      -0.00004 ±    0.00001      -0.00000 ±    0.00000     0.005 ±  0.001 %    100.000 ±  0.000 %\n"
            + "   2       9.9222 ±    1.9023      -0.00001 ±       -nan      -0.00000 ±    0.00000     0.006 ±  0.001 %    100.000 ±  0.000 %\n")
    assert parse_kl_output(text, 2) == {"perplexity": 9.9222, "kl_divergence": 0.0, "top1_agreement": 1.0}


def test_prefers_the_summary_when_printed():
    text = (HEADER
            + "   1       5.0487 ±    1.4040      -0.00000 ±       -nan       0.00000 ±    0.00000     0.008 ±  0.002 %    100.000 ±  0.000 %\n"
            + "Mean PPL(Q)                   :   5.048717 ±   1.403959\nMean    KLD:   0.000000 ±   0.000001\nSame top p: 99.500 ± 0.000 %\n")
    assert parse_kl_output(text, 1) == {"perplexity": 5.048717, "kl_divergence": 0.0, "top1_agreement": 0.995}


def test_a_missing_chunk_is_an_error_that_quotes_the_output():
    text = HEADER + "   1       4.0556 ±    0.9693      -0.00004 ±    0.00001      -0.00000 ±    0.00000     0.005 ±  0.001 %    100.000 ±  0.000 %\n"
    with pytest.raises(llama_cpp.ToolError, match="no result for chunk 2"):
        parse_kl_output(text, 2)
