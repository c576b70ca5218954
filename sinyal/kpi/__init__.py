"""Sales KPIs, computed with pandas from the append-only ``kpi_events`` log and nothing else."""
