using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;
using Npgsql.EntityFrameworkCore.PostgreSQL.Design.Internal;
using TxCoordinator.Coordinator.Persistence;

// Usage: dotnet run --project migrations/Tool -- add <Name>
//        dotnet run --project migrations/Tool -- script <output.sql>
// Scaffolds from the model compiled into the Coordinator, the same way `dotnet ef migrations add` does.
if (args is not [("add" or "script") and var command, var argument])
{
    Console.Error.WriteLine("usage: MigrationTool add <MigrationName> | script <file.sql>");
    return 2;
}

var migrationsDirectory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));
if (!File.Exists(Path.Combine(migrationsDirectory, "Tool", "MigrationTool.csproj")))
{
    Console.Error.WriteLine($"Cannot find the migrations folder from {AppContext.BaseDirectory}; run this with `dotnet run --project migrations/Tool`.");
    return 2;
}

var options = new DbContextOptionsBuilder<CoordinatorDbContext>()
    .UseNpgsql("Host=localhost;Database=design_time_only")
    .Options;
await using var context = new CoordinatorDbContext(options);

if (command == "script")
{
    var script = context.GetInfrastructure().GetRequiredService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>()
        .GenerateScript(options: Microsoft.EntityFrameworkCore.Migrations.MigrationsSqlGenerationOptions.Idempotent);
    await File.WriteAllTextAsync(argument, script);
    Console.WriteLine($"wrote {argument}");
    return 0;
}

var services = new ServiceCollection()
    .AddEntityFrameworkDesignTimeServices()
    .AddDbContextDesignTimeServices(context);
new NpgsqlDesignTimeServices().ConfigureDesignTimeServices(services);
await using var provider = services.BuildServiceProvider();
var scaffolder = provider.GetRequiredService<IMigrationsScaffolder>();
var migration = scaffolder.ScaffoldMigration(argument, "TxCoordinator.Coordinator", "Migrations", "C#");
var files = scaffolder.Save(migrationsDirectory, migration, migrationsDirectory);
Console.WriteLine($"wrote {files.MigrationFile}");
Console.WriteLine($"wrote {files.MetadataFile}");
// Keep every file flat in migrations/: the Coordinator compiles migrations/*.cs.
var written = files.SnapshotFile ?? throw new InvalidOperationException("EF wrote no model snapshot.");
var snapshot = Path.Combine(migrationsDirectory, Path.GetFileName(written));
if (!string.Equals(written, snapshot, StringComparison.Ordinal))
{
    File.Move(written, snapshot, overwrite: true);
    if (Directory.GetFileSystemEntries(Path.GetDirectoryName(written)!).Length == 0)
    {
        Directory.Delete(Path.GetDirectoryName(written)!);
    }
}

Console.WriteLine($"wrote {snapshot}");
return 0;
