"""Counts the words of the `text` property and returns the count as the task's JSON result."""
import json
import os
import sys

properties = json.loads(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WORKTY_PROPERTIES", "{}"))
text = str(properties.get("text", ""))
words = len(text.split())
print(f"{words} words in {len(text)} characters")

result_file = os.environ.get("WORKTY_RESULT_FILE")
if result_file:
    with open(result_file, "w", encoding="utf-8") as out:
        json.dump({"words": words, "characters": len(text)}, out)
