using TxCoordinator.Samples.Orders.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrdersService();

var app = builder.Build();
app.UseOrdersService();
app.Run();
