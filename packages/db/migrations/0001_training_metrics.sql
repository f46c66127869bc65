CREATE TABLE "training_metrics" (
	"run_id" text NOT NULL,
	"kind" text NOT NULL,
	"step" integer NOT NULL,
	"epoch" double precision,
	"loss" double precision,
	"learning_rate" double precision,
	"tokens_per_second" double precision,
	"eta_seconds" double precision,
	"total_steps" integer,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "training_metrics_run_id_kind_step_pk" PRIMARY KEY("run_id","kind","step")
);
--> statement-breakpoint
ALTER TABLE "training_metrics" ADD CONSTRAINT "training_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;