using TxCoordinator.Coordinator.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddCoordinator();
var app = builder.Build();

// `TxCoordinator.Coordinator migrate` brings the database schema up to date and exits.
if (args is ["migrate", ..])
{
    await app.Services.GetRequiredService<MigrationRunner>().MigrateAsync();
    return;
}

app.MapCoordinator();
await app.RunAsync();

/// <summary>Entry point, public so integration tests can host the coordinator in-process.</summary>
public partial class Program;
