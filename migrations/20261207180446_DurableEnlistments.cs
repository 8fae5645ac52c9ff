using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TxCoordinator.Coordinator.Migrations
{
    /// <inheritdoc />
    public partial class DurableEnlistments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "durable_enlistments",
                table: "transactions",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "durable_enlistments",
                table: "transactions");
        }
    }
}
