ALTER TABLE "stage_executions" ADD COLUMN "cache_key" text;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD COLUMN "reused_from_run_id" text;--> statement-breakpoint
ALTER TABLE "stage_executions" ADD CONSTRAINT "stage_executions_reused_from_run_id_runs_id_fk" FOREIGN KEY ("reused_from_run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stage_executions_cache_key_idx" ON "stage_executions" USING btree ("cache_key");