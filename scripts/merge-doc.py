import sys
# Inserts a markdown file (its H1 dropped, headings demoted one level, outside code fences) in place of a
# placeholder line of README.md: python3 scripts/merge-doc.py PLACEHOLDER path/to/doc.md
placeholder, path = sys.argv[1], sys.argv[2]
lines = open(path).read().split('\n')
if lines and lines[0].startswith('# '):
    lines = lines[1:]
out, fenced = [], False
for line in lines:
    if line.startswith('```'):
        fenced = not fenced
    elif not fenced and line.startswith('#'):
        line = '#' + line
    out.append(line)
text = '\n'.join(out).strip('\n')
prefix = path[: path.rfind('/') + 1]
depth = prefix.count('/')
text = text.replace('](' + '../' * depth, '](')
readme = open('README.md').read()
assert placeholder in readme, placeholder
open('README.md', 'w').write(readme.replace(placeholder, text))
