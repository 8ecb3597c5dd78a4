using System.Runtime.CompilerServices;

// The in-memory store's tests check internal bookkeeping (the subject index) that no public member shows. This belongs in
// Stores.Abstractions.csproj as <InternalsVisibleTo Include="Stores.Abstractions.Tests" />, like the other packages;
// it can move there, and a duplicate of the same attribute is harmless meanwhile.
[assembly: InternalsVisibleTo("Stores.Abstractions.Tests")]
