# Runs a command on a pseudo-terminal and types the given answers, one each time it asks for
# a passphrase (as a person at a terminal would: the programs read it from their terminal,
# not from stdin). Usage: pty-answer.py JSON_ARGV JSON_ANSWERS. Prints what the terminal
# showed; exits with the command's exit code.
import json, os, pty, select, sys, time

argv = json.loads(sys.argv[1])
answers = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
shown = b''
answered = 0
deadline = time.time() + 300
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.5)
    if fd in ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        shown += data
    asked = shown.lower().count(b'passphrase')
    if answered < len(answers) and asked > answered and shown.rstrip().endswith(b':') or (
        answered < len(answers) and asked > answered and shown.endswith(b': ')
    ):
        time.sleep(0.2)
        os.write(fd, answers[answered].encode() + b'\r')
        answered += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode('utf8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
