using TxCoordinator.Samples.Payments.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddPaymentsService();

var app = builder.Build();
app.UsePaymentsService();
app.Run();
