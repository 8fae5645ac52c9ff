namespace TxCoordinator.TestInfrastructure;

/// <summary>
/// Paths inside the repository. The build configuration and target framework are read from the test assembly's own
/// location (…/bin/Release/net10.0/), so tests find the Release outputs under scripts/test.sh and the Debug ones in an IDE.
/// </summary>
public static class SolutionPaths
{
    public const string SolutionFile = "TxCoordinator.sln";

    private static readonly Lazy<string> Root = new(FindRoot);
    private static readonly Lazy<(string Configuration, string TargetFramework)> Build = new(FindBuild);

    /// <summary>The folder holding <see cref="SolutionFile"/>.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>"Release" or "Debug": the configuration the tests themselves were built with.</summary>
    public static string Configuration => Build.Value.Configuration;

    /// <summary>e.g. "net10.0".</summary>
    public static string TargetFramework => Build.Value.TargetFramework;

    /// <summary>Full path of a file in a project's build output, e.g. ("SampleServices/Orders", "TxCoordinator.Samples.Orders.dll").</summary>
    /// <exception cref="FileNotFoundException">The project has not been built with the tests' configuration.</exception>
    public static string ProjectOutput(string projectDirectory, string fileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var path = Path.Combine(RepositoryRoot, projectDirectory, "bin", Configuration, TargetFramework, fileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{path} does not exist: build the solution with -c {Configuration} first (dotnet build {SolutionFile} -c {Configuration}).", path);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"{SolutionFile} not found in {AppContext.BaseDirectory} or any folder above it.");
    }

    private static (string, string) FindBuild()
    {
        var parts = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory).Split(Path.DirectorySeparatorChar);
        var bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 2 < parts.Length
            ? (parts[bin + 1], parts[bin + 2])
            : throw new InvalidOperationException($"Cannot tell the build configuration from {AppContext.BaseDirectory} (expected …/bin/<Configuration>/<TargetFramework>/).");
    }
}
