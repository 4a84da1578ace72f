"""The module's imports: each Python module imports what it needs at its
top, and the modules do not import each other in a circle (the clock and
the Indonesian formatting live in modules of their own for this)."""
import ast
import unittest
from pathlib import Path

PACKAGE = Path(__file__).parent.parent


def modules():
    return sorted(p.stem for p in PACKAGE.glob('*.py')
        if p.stem != '__init__')


def relative_imports(name):
    "The package's modules that `name` imports: (top level, in functions)"
    tree = ast.parse((PACKAGE / f'{name}.py').read_text())
    top, inner = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        names = ([node.module] if node.module
            else [a.name for a in node.names])
        target = top if node in tree.body else inner
        target.update(n.split('.')[0] for n in names)
    return top & set(modules()), inner & set(modules())


class ImportsTestCase(unittest.TestCase):
    # No database: .ci/run runs it in the SQLite pass only.
    ENGINE_INDEPENDENT = True

    def test_no_circle(self):
        "The modules' imports form no circle"
        graph = {m: relative_imports(m)[0] for m in modules()}
        state = {}

        def visit(module, path):
            if state.get(module) == 'done':
                return
            self.assertNotEqual(state.get(module), 'open',
                msg=' -> '.join(path + [module]))
            state[module] = 'open'
            for target in sorted(graph[module]):
                visit(target, path + [module])
            state[module] = 'done'
        for module in graph:
            visit(module, [])

    def test_imports_at_top(self):
        "No module imports another of the package inside a function"
        for module in modules():
            with self.subTest(module=module):
                self.assertEqual(relative_imports(module)[1], set())

    def test_no_import_in_functions(self):
        """No module imports anything inside a function or a class: what a
        module needs is read at its top"""
        for module in modules():
            tree = ast.parse((PACKAGE / f'{module}.py').read_text())
            scopes = [node for node in ast.walk(tree) if isinstance(node, (
                        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
            inner = sorted({f'line {node.lineno}' for scope in scopes
                    for node in ast.walk(scope)
                    if isinstance(node, (ast.Import, ast.ImportFrom))})
            with self.subTest(module=module):
                self.assertEqual(inner, [])
