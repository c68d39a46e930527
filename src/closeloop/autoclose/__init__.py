"""Call Auto Close: per-partition rules that remind, then close or escalate, calls left without a decision."""
