#!/usr/bin/env python3
"""Builds the C# snippets of README.md and of every package README (src/*/README.md) as a user would paste them.

Usage: eng/readme-snippets.py FEED VERSION WORKDIR (eng/smoke-test.sh runs it with the packages it just packed).

One web project (`dotnet new web`'s settings: implicit usings, nullable) in WORKDIR references every SessionStores
package in FEED at VERSION (restored from that folder only by the nuget.config that eng/smoke-test.sh writes in a
parent of WORKDIR); each ```csharp block becomes one file of it, with a #line directive
so that a compiler error names the README and the line. A snippet's own `using` lines stay at the top of its file (a
missing one is an error, as for the user); the rest becomes the body of an async method whose parameters are the names
a snippet may take from its surroundings: `builder` (WebApplicationBuilder), `app` (WebApplication), `context`
(HttpContext), `userId` and `connectionString` (string), each left out when the snippet declares it. A README adds or
changes one with an HTML comment right before the block: <!-- snippet-context: MemcachedSessionStoreOptions options -->;
a snippet that needs another package (as its text says) names it so: <!-- snippet-package: Npgsql.DependencyInjection 10.0.3 -->.
Exits non-zero when the project does not build.
"""
import glob, os, re, subprocess, sys

feed, version, work = sys.argv[1], sys.argv[2], sys.argv[3]
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULTS = [("WebApplicationBuilder", "builder"), ("WebApplication", "app"), ("HttpContext", "context"),
            ("string", "userId"), ("string", "connectionString")]


def snippets(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```csharp":
            context, packages = [], []
            j = i - 1
            while j >= 0 and (m := re.match(r"<!--\s*snippet-(context|package):\s*(.*?)\s*-->", lines[j].strip())):
                if m.group(1) == "context":
                    context += [tuple(p.strip().rsplit(" ", 1)) for p in m.group(2).split(",")]
                else:
                    packages.append(tuple(m.group(2).split()))
                j -= 1
            start = i + 1
            end = start
            while lines[end].strip() != "```":
                end += 1
            yield start + 1, lines[start:end], context, packages  # 1-based line of the first code line
            i = end
        i += 1


def source(number, path, first_line, code, context):
    usings = [l for l in code if re.match(r"\s*using [\w.]+;\s*(//.*)?$", l)]
    body = [l for l in code if l not in usings]
    text = "\n".join(body)
    declared = set(re.findall(r"\bvar\s+(\w+)\s*=", text))
    names = {name: type_ for type_, name in DEFAULTS}
    names.update({name: type_ for type_, name in context})
    params = ", ".join(f"{t} {n}" for n, t in names.items() if n not in declared)
    out = [*usings, "", "#pragma warning disable CS1998 // a snippet without await",
           "internal static partial class Snippets", "{",
           f"    internal static async System.Threading.Tasks.Task Snippet{number}({params})", "    {"]
    # The usings move to the top of the file; the body keeps the README's line numbers from its first line on.
    first_body = next((n for n, l in enumerate(code) if l not in usings), 0)
    out.append(f'#line {first_line + first_body} "{path}"')
    out += body
    out += ["#line default", "    }", "}"]
    return "\n".join(out) + "\n"


readmes = [os.path.join(repo, "README.md")] + sorted(
    p for p in glob.glob(os.path.join(repo, "src", "*", "README.md")) if os.path.exists(os.path.join(os.path.dirname(p), os.path.basename(os.path.dirname(p)) + ".csproj")))
os.makedirs(work, exist_ok=True)
count = 0
extra = set()
for readme in readmes:
    for first_line, code, context, packages in snippets(readme):
        extra.update(packages)
        count += 1
        with open(os.path.join(work, f"Snippet{count:02}.cs"), "w", encoding="utf-8") as f:
            f.write(source(count, readme, first_line, code, context))

packages = sorted({re.match(r"(SessionStores\.[A-Za-z]+)\.\d", os.path.basename(p)).group(1)
                   for p in glob.glob(os.path.join(feed, "SessionStores.*.nupkg"))} - {"SessionStores.Admin", "SessionStores.Conformance"})
references = "\n".join([f'    <PackageReference Include="{p}" Version="{version}" />' for p in packages] +
                       [f'    <PackageReference Include="{p}" Version="{v}" />' for p, v in sorted(extra)])
open(os.path.join(work, "SnippetCheck.csproj"), "w").write(f"""<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <OutputType>Library</OutputType>
  </PropertyGroup>
  <ItemGroup>
{references}
  </ItemGroup>
</Project>
""")
result = subprocess.run(["dotnet", "build", "-c", "Release", "-nologo", "-v", "quiet", "-clp:NoSummary"], cwd=work, capture_output=True, text=True)
errors = sorted({l.strip() for l in result.stdout.splitlines() if ": error " in l})
if result.returncode != 0:
    print("\n".join(errors) or result.stdout[-4000:])
    sys.exit(f"readme-snippets: the README snippets do not build as written ({len(errors)} errors above)")
print(f"readme-snippets: {count} C# snippets of {len(readmes)} READMEs build as written against {len(packages)} packages {version}")
