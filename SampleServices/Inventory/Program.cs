using TxCoordinator.Samples.Inventory.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddInventoryService();

var app = builder.Build();
app.UseInventoryService();
app.Run();
