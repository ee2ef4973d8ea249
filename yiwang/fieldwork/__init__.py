"""Field work (巡查走访): patrols with GPS tracks and household visit cycles (敲门聚心)."""
