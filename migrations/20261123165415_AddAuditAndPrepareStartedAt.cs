using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TxCoordinator.Coordinator.Migrations
{
    /// <inheritdoc />
    public partial class AddAuditAndPrepareStartedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "audit",
                table: "transactions",
                type: "jsonb",
                nullable: false,
                // Existing transactions have had no operator actions ("" is not valid jsonb).
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "prepare_started_at",
                table: "transactions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_transactions_created_at_id",
                table: "transactions",
                columns: new[] { "created_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_transactions_created_at_id",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "audit",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "prepare_started_at",
                table: "transactions");
        }
    }
}
