using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TxCoordinator.Coordinator.Migrations
{
    /// <inheritdoc />
    public partial class AddRevision : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "revision",
                table: "transactions",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "revision",
                table: "transactions");
        }
    }
}
