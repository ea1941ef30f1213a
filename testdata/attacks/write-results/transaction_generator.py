# An attack, for the grader without Docker (Gradescope): before doing the lab's work, try to
# write the grader's reports and read its files. The folders to try are the platform's, and
# those named in targets.txt beside this file when there is one (a test puts the folders of its
# run there). Every attempt must fail; the lab's generator then runs as usual. One that
# succeeds stops the program, which fails the lab's scenario: the test sees it.
import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
results = ['/autograder/results']
secrets = ['/autograder/source/run_autograder']
try:
    with open(os.path.join(here, 'targets.txt')) as f:
        for line in f:
            kind, _, path = line.strip().partition(' ')
            (results if kind == 'results' else secrets).append(path)
except OSError:
    pass
for folder in results:
    for name in ('results.json', 'score.json', 'pwned.txt'):
        try:
            with open(os.path.join(folder, name), 'w') as f:
                f.write('{"score": 1000}')
            sys.exit('ATTACK wrote ' + os.path.join(folder, name))
        except OSError as e:
            print('attack refused:', e, file=sys.stderr, flush=True)
for path in secrets:
    try:
        with open(path) as f:
            f.read(1)
        sys.exit('ATTACK read ' + path)
    except OSError as e:
        print('attack refused:', e, file=sys.stderr, flush=True)
runpy.run_path(os.path.join(here, 'lab_generator.py'), run_name='__main__')
